import pytest

from daemon.ingest.language import guess_language


@pytest.mark.parametrize("text, expected", [
    ("Hola, la caldera no funciona desde ayer. Gracias por la ayuda.", "es"),
    ("Hello, my boiler is not working since yesterday. Thanks for the help.", "en"),
    ("SN-12345 E12", "es"),                                     # unclear: the default
    ("Dear support team, the printer does not print and the display is blank", "en"),
    ("Buenos días: the printer no funciona, gracias", "es"),    # mostly Spanish
])
def test_guess_language(text, expected):
    assert guess_language(text, "es") == expected


def test_unclear_text_keeps_the_configured_default():
    assert guess_language("OK", "en") == "en"
