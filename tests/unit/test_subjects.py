import pytest

from daemon.ingest.subjects import is_forward


@pytest.mark.parametrize("subject", [
    "Fwd: factura", "FW: factura", "RV: factura", "Reenviado: factura", "REENV: factura",
    "WG: Rechnung", "TR: facture", "I: fattura", "VS: faktura", "Doorst: factuur",
    "  fwd : spaced", "转发：发票", "Továbbítás: számla",
])
def test_forward_prefixes(subject):
    assert is_forward(subject)


@pytest.mark.parametrize("subject", [
    "Re: factura", "Info: factura", "Firmware: update", "Fwd factura sin dos puntos",
    "La factura RV: 12", "", None,
])
def test_not_forwards(subject):
    assert not is_forward(subject)
