import pytest

from daemon.ingest.flowed import unflow


@pytest.mark.parametrize("wire, delsp, typed", [
    ("La impresora de la planta 2 no imprime desde el \nlunes.\n\nGracias.",
     False, "La impresora de la planta 2 no imprime desde el lunes.\n\nGracias."),
    # delsp=yes (Apple Mail): the space before the break was the client's
    ("El albar\u00e1n n\u00ba 7 no lleva la fir\nma.", False, "El albar\u00e1n n\u00ba 7 no lleva la fir\nma."),
    ("El albar\u00e1n n\u00ba 7 no lleva la fir \nma.", True, "El albar\u00e1n n\u00ba 7 no lleva la firma."),
    # quoted paragraphs join within their depth only, and a depth change is a hard break
    ("Hecho.\n\n> Ana escribi\u00f3 que la pantalla \n> parpadea \n>> desde \n>> ayer",
     False, "Hecho.\n\n> Ana escribi\u00f3 que la pantalla parpadea \n>> desde ayer"),
    # space-stuffing undone; the signature separator never joins
    ("Hola\n From here on \nit continues\n-- \nAna Ruiz", False,
     "Hola\nFrom here on it continues\n-- \nAna Ruiz"),
    ("an empty quote line\n>\n> text", False, "an empty quote line\n>\n> text"),
    ("flowed to the very end ", False, "flowed to the very end "),
], ids=["paragraph", "no trailing space", "delsp", "quote depths", "stuffing and signature",
        "empty quote", "open at the end"])
def test_unflow_gives_back_the_typed_paragraphs(wire, delsp, typed):
    assert unflow(wire, delsp=delsp) == typed
