"""sanitize_html keeps safe formatting and nothing that runs, tracks or leaks;
html_to_text renders readable text whose quotes split_reply can strip."""
from __future__ import annotations

import re

import pytest

from daemon.ingest.html import html_to_text, sanitize_html
from daemon.ingest.quotes import split_reply

# (name, html, fragments that must survive, fragments that must be gone)
SANITIZE = [
    ("formatting", "<p><b>Hola</b> <i>mundo</i><br><u>u</u></p>",
     ["<p>", "<b>Hola</b>", "<i>mundo</i>", "<br>", "<u>u</u>"], []),
    ("script", "<p>a</p><script>alert(1)</script>", ["<p>a</p>"], ["script", "alert"]),
    ("style", "<style>p{color:red}</style><p style=\"color:red\">a</p>", ["<p>a</p>"],
     ["style", "color"]),
    ("event handler", "<b onclick=\"steal()\" onmouseover=\"x()\">a</b>", ["<b>a</b>"],
     ["onclick", "steal", "onmouseover"]),
    ("javascript link", "<a href=\"javascript:alert(1)\">x</a>", [">x</a>"],
     ["javascript", "alert"]),
    ("https link", "<a href=\"https://ex.test/a\" target=\"_blank\">x</a>",
     ["href=\"https://ex.test/a\"", "rel=\"noopener noreferrer\""], ["target"]),
    ("mailto link", "<a href=\"mailto:ana@ex.test\">Ana</a>", ["href=\"mailto:ana@ex.test\""],
     []),
    ("relative link", "<a href=\"/login\">x</a>", [">x</a>"], ["/login"]),
    ("data url", "<a href=\"data:text/html;base64,PHNjcmlwdD4=\">x</a>", [">x</a>"],
     ["data:"]),
    ("remote image", "<img src=\"https://track.test/p.gif?u=1\" alt=\"logo\">", ["alt=\"logo\""],
     ["track.test"]),
    ("cid image", "<img src=\"cid:logo@ex.test\" width=\"10\">",
     ["src=\"cid:logo@ex.test\"", "width=\"10\""], []),
    ("cid link", "<a href=\"cid:x@ex.test\">x</a>", [">x</a>"], ["cid:"]),
    ("iframe", "<iframe src=\"https://ex.test\">inner</iframe>ok", ["ok"],
     ["iframe", "inner"]),
    ("form", "<form action=\"https://ex.test\"><input name=\"p\"><button>Go</button></form>",
     [], ["form", "input", "button", "action"]),
    ("object", "<object data=\"x.swf\"><embed src=\"x.swf\"></object>", [],
     ["object", "embed", "swf"]),
    ("table", "<table><tr><td colspan=\"2\">a</td></tr></table>",
     ["<table>", "<td colspan=\"2\">a</td>"], []),
    ("lists", "<ul><li>a</li></ul><ol start=\"3\"><li>b</li></ol>",
     ["<ul><li>a</li></ul>", "<ol start=\"3\">"], []),
    ("blockquote", "<blockquote>citado</blockquote>", ["<blockquote>citado</blockquote>"], []),
    ("comment", "a<!-- secret -->b", ["ab"], ["secret", "<!--"]),
    ("unclosed", "<b>negrita <i>cursiva", ["<b>negrita <i>cursiva</i></b>"], []),
    ("meta refresh", "<meta http-equiv=\"refresh\" content=\"0;url=https://evil.test\">a",
     ["a"], ["meta", "evil"]),
    ("svg script", "<svg><script>alert(1)</script></svg>ok", ["ok"], ["svg", "alert"]),
    ("entities", "<p>5 &lt; 6 &amp; caf&eacute;</p>", ["5 &lt; 6 &amp; café"], []),
    ("stray lt", "1 < 2 <3 a<b", ["1 &lt; 2 &lt;3 a&lt;b"], []),
]


@pytest.mark.parametrize(("html", "kept", "gone"), [c[1:] for c in SANITIZE],
                         ids=[c[0] for c in SANITIZE])
def test_sanitize_html(html: str, kept: list[str], gone: list[str]) -> None:
    clean = sanitize_html(html)
    for fragment in kept:
        assert fragment in clean
    for fragment in gone:
        assert fragment not in clean


GMAIL_REPLY = (
    '<div dir="ltr">Hola,<div><br></div><div>La caldera pierde agua &amp; no enciende.'
    '</div><div><br></div><div>Marta</div></div><br><div class="gmail_quote">'
    '<div dir="ltr" class="gmail_attr">El lun, 23 nov 2026 a las 10:00, Soporte &lt;'
    '<a href="mailto:soporte@ex.test">soporte@ex.test</a>&gt; escribió:<br></div>'
    '<blockquote class="gmail_quote" style="margin:0 0 0 .8ex"><div>Hemos recibido su '
    'consulta.</div><blockquote>antes</blockquote></blockquote></div>')
OUTLOOK_REPLY = (
    '<html><head><style>p {margin:0}</style></head><body><p>Thanks, go ahead.</p>'
    '<div id="appendonsend"></div><hr style="display:inline-block;width:98%">'
    '<div id="divRplyFwdMsg"><font face="Calibri"><b>From:</b> Support &lt;s@ex.test&gt;'
    '<br><b>Sent:</b> Monday, November 23, 2026 10:00<br><b>To:</b> John<br>'
    '<b>Subject:</b> RE: Broken</font><div>&nbsp;</div></div><div>Old text</div></body>')

# (name, html, exact text)
TO_TEXT = [
    ("paragraphs", "<p>Uno</p><p>Dos</p>", "Uno\n\nDos"),
    ("br and div", "Hola<br>mundo<div>otra</div><div><br></div><div>fin</div>",
     "Hola\nmundo\notra\n\nfin"),
    ("whitespace", "<p>  muchos \n\t espacios&nbsp;aquí </p>", "muchos espacios aquí"),
    ("entities", "5 &lt; 6 &amp;&amp; caf&eacute; &#8364;", "5 < 6 && café €"),
    ("link with text", "<a href=\"https://ex.test/faq\">la ayuda</a>",
     "la ayuda (https://ex.test/faq)"),
    ("link same as text", "<a href=\"https://ex.test/\">https://ex.test</a>",
     "https://ex.test"),
    ("mailto", "<a href=\"mailto:ana@ex.test\">ana@ex.test</a> o "
     "<a href=\"mailto:ana@ex.test\">Ana</a>", "ana@ex.test o Ana (ana@ex.test)"),
    ("javascript link", "<a href=\"javascript:x()\">pulse</a>", "pulse"),
    ("skipped parts", "<head><title>T</title></head><script>x=1</script>"
     "<style>p{}</style><p>cuerpo</p>", "cuerpo"),
    ("unclosed head", "<head><title>T<body><p>cuerpo</p>", "cuerpo"),
    # plain text under an HTML label: no markup at all, so its lines are its own
    ("no markup at all", "Gracias.\n\nRendell\n____\nFrom: Sanford <s@x.test>\n5 &lt; 6",
     "Gracias.\n\nRendell\n____\nFrom: Sanford <s@x.test>\n5 < 6"),
    ("text in the head, no body", "<html><head><meta charset=\"utf-8\">\n<title>T</title>\nNo puedo entrar."
     "<br>Gracias</html>", "No puedo entrar.\nGracias"),
    ("lists", "<ul><li>uno</li><li>dos<ol><li>a</li><li>b</li></ol></li></ul>",
     "- uno\n- dos\n\n  1. a\n  2. b"),
    ("table", "<table><tr><td>Pieza</td><td>Precio</td></tr><tr><td>Junta</td>"
     "<td>25,00</td></tr></table>", "Pieza Precio\nJunta 25,00"),
    ("pre", "<pre>  a\n    b</pre>", "  a\n    b"),
    ("blockquote", "<p>Sí</p><blockquote><p>¿Viene?</p><blockquote>x</blockquote>"
     "</blockquote><p>fin</p>", "Sí\n\n> ¿Viene?\n>\n> > x\n\nfin"),
    ("comment", "a<!-- oculto -->b", "ab"),
    ("an unclosed comment in a style", "<html><head><style><!-- p {margin:0}</style></head><body>"
     "<div>Devolución del pedido 48213.</div></body></html>", "Devolución del pedido 48213."),
    ("a head never closed, no body", '<html><head><meta charset="utf-8"><div>Llámenme al 555-0100.</div></html>',
     "Llámenme al 555-0100."),
    ("conditional comment", "<!--[if mso]><p>solo outlook</p><![endif]-->visible", "visible"),
    ("stray markup", "1 < 2 y 3 > 2 & más", "1 < 2 y 3 > 2 & más"),
    ("gmail reply", GMAIL_REPLY,
     "Hola,\n\nLa caldera pierde agua & no enciende.\n\nMarta\n\nEl lun, 23 nov 2026 a las "
     "10:00, Soporte <soporte@ex.test> escribió:\n\n> Hemos recibido su consulta.\n>\n"
     "> > antes"),
]


@pytest.mark.parametrize(("html", "text"), [c[1:] for c in TO_TEXT], ids=[c[0] for c in TO_TEXT])
def test_html_to_text(html: str, text: str) -> None:
    assert html_to_text(html) == text


@pytest.mark.parametrize(("html", "visible"), [
    (GMAIL_REPLY, "Hola,\n\nLa caldera pierde agua & no enciende.\n\nMarta"),
    (OUTLOOK_REPLY, "Thanks, go ahead."),
    # Gmail's signature block, which its HTML marks but does not delimit with "-- "
    ('<div dir="auto">Gracias</div><div class="gmail_signature">Ana Lopez<br>Gerente</div>', "Gracias"),
    # a blockquote the customer quotes on purpose, not a reply's history
    ("<p>Mirad esta frase:</p><blockquote><p>El cliente siempre tiene razon.</p></blockquote>",
     "Mirad esta frase:\n\n> El cliente siempre tiene razon."),
    # Outlook on the web: the history in a section of its own, no blockquote
    ('<div name="messageBodySection"><p>Ya <b>funciona</b>.</p><div>Ana</div></div>'
     '<div name="messageReplySection"><p>¿Sigue el fallo?</p><div>Soporte</div></div>', "Ya funciona.\n\nAna"),
    # Lotus Notes/Domino: the history in its section, under a header table with no colons
    ('<div>Hallo. Jetzt geht es.</div><div>Mfg Eike</div><div class="domino-section"><table><tr><td>Von:</td>'
     "<td>Martin</td></tr><tr><td>An</td><td>Eike</td></tr></table><div>Hi Eike, anbei wie gestern</div></div>",
     "Hallo. Jetzt geht es.\nMfg Eike"),
    # signature blocks other clients mark: Outlook on the web, Proton; not Outlook mobile's
    ('<div>Gracias</div><div id="Signature"><div>Ana Ruiz<br>Ventas</div></div><hr><div id="divRplyFwdMsg">'
     "<b>From:</b> S &lt;s@x.test&gt;<br><b>Sent:</b> Monday<br><b>To:</b> Ana<br><b>Subject:</b> x</div><div>old</div>",
     "Gracias"),
    ('<div>Hola</div><div class="protonmail_signature_block"><div>Sent with Proton</div></div>', "Hola"),
    ('<div id="ms-outlook-mobile-signature"><div>Toda la respuesta</div></div>', "Toda la respuesta"),
    # text typed below a marked signature, with no history under it, is kept
    ('<div>Hola</div><div class="gmail_signature">Ana</div><div>Texto tras la firma</div>',
     "Hola\nAna\nTexto tras la firma"),
    ('<div>Hola</div>-- <br><div class="gmail_signature">Ana</div>', "Hola"),
    # the editor's indent button makes a blockquote: the writer's own text, kept
    ('<div>Sigue fallando. Lo que hice</div><blockquote style="margin-top:0;margin-bottom:0"><ol>'
     "<li>Cerrar sesión</li><li>Borrar la caché</li></ol></blockquote>",
     "Sigue fallando. Lo que hice\n\n1. Cerrar sesión\n2. Borrar la caché"),
    ('<div dir="ltr">Mi dirección de envío es<blockquote style="margin:0 0 0 40px;border:none;padding:0px">'
     "<div>Calle Mayor 5, 2B</div><div>28013 Madrid</div></blockquote></div>",
     "Mi dirección de envío es\nCalle Mayor 5, 2B\n28013 Madrid"),
    # a passage cited from a web page is the writer's; a message cited ("mid:") is history
    ('<p>Como dice vuestra web:</p><blockquote cite="https://x.test/garantia"><p>Dos años de garantía.</p>'
     "</blockquote>", "Como dice vuestra web:\n\nDos años de garantía."),
    ('<p>De acuerdo.</p><div>El 23 nov 2026, a las 10:00, Soporte &lt;s@x.test&gt; escribió:</div>'
     '<blockquote type="cite" cite="mid:a1@x.test"><p>¿Le va bien el lunes?</p></blockquote>', "De acuerdo."),
    # answers typed inside Outlook's history, announced above it
    ("<p class=MsoNormal>Hi, see my answers below in red.</p><div style='border:none;border-top:solid #E1E1E1 "
     "1.0pt'><p class=MsoNormal><b>From:</b> Soporte &lt;s@x.test&gt;<br><b>Sent:</b> Monday, January 8, 2024 "
     "10:00 AM<br><b>To:</b> Ana &lt;a@x.test&gt;<br><b>Subject:</b> RE: Pedido</p></div>"
     "<p class=MsoNormal>1. Which browser?</p><p><span style='color:red'>Chrome 120</span></p>",
     "Hi, see my answers below in red.\n\nFrom: Soporte <s@x.test>\nSent: Monday, January 8, 2024 10:00 AM\n"
     "To: Ana <a@x.test>\nSubject: RE: Pedido\n\n1. Which browser?\n\nChrome 120"),
    # plain text sent as HTML: its Outlook header block still marks the history
    ("Great, thank you!\n\nRendell Good\n________________________________\nFrom: Sanford <s@x.test>\n"
     "Sent: Tuesday, February 17, 2026 10:46 AM\nTo: Rendell <r@x.test>\nSubject: RE: Demo\n\nGood Morning!",
     "Great, thank you!\n\nRendell Good"),
])
def test_rendered_replies_split_cleanly(html: str, visible: str) -> None:
    assert split_reply(html_to_text(html)).visible == visible


MALFORMED = [
    "", "<", ">", "&", "<<<>>>", "<!--", "<!", "<?", "</", "<a", "<a href=\"", "<![CDATA[x",
    "<script>", "<style>x", "</p></div></blockquote>", "<p <p <p>", "&#xZZ; &#99999999999;",
    "<img src=x onerror=alert(1)", "\x00<b>\x00</b>", "\ud800<b>surrogate</b>",
    "<table><td><tr><li></table>", "<pre>", "<a href=\"https://x\"><div>block</div></a>",
]


@pytest.mark.parametrize("html", MALFORMED)
def test_malformed_markup_never_raises(html: str) -> None:
    assert isinstance(html_to_text(html), str)
    clean = sanitize_html(html)
    assert "<script" not in clean and not re.search(r"<[^>]*onerror", clean)


# A quadratic parse takes minutes on each of these; a linear one about a second.
HUGE = [
    ("unclosed tags", "<a " * 100_000),
    ("stray lt", "<" * 300_000),
    ("unclosed comments", "<!--" * 100_000),
    ("deep nesting", "<div>" * 80_000),
    ("deep quotes", "<blockquote>x" * 30_000),
    ("ampersands", "word & " * 40_000),
    ("declarations", "<!x" * 100_000),
    ("big ordinary body", "<p>Hola <b>mundo</b></p>" * 15_000),
    ("over the markup cap", "<p>a &amp; b</p>" * 70_000),
]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("html", [h[1] for h in HUGE], ids=[h[0] for h in HUGE])
def test_huge_input_finishes(html: str) -> None:
    text = html_to_text(html)
    clean = sanitize_html(html)
    assert len(text) <= 2 * len(html) and len(clean) <= 5 * len(html)
