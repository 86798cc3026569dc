"""HTML mail bodies: sanitize_html(html) -> safe HTML to store or show (nh3 allowlist),
html_to_text(html) -> readable plain text for quote stripping, rules and search.
Never raises on malformed markup; never keeps scripts, styles, forms, event handlers,
javascript: links or remote images (tracking pixels); only cid: images survive.
"""
from __future__ import annotations

import html as entities
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import unquote

import nh3

_TAGS = {
    "a", "abbr", "b", "big", "blockquote", "br", "caption", "center", "cite", "code",
    "col", "colgroup", "dd", "del", "div", "dl", "dt", "em", "font", "h1", "h2", "h3",
    "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre",
    "q", "s", "samp", "small", "span", "strike", "strong", "sub", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "tt", "u", "ul",
}
_CELL = {"align", "valign", "colspan", "rowspan"}
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "td": _CELL, "th": _CELL, "col": {"span"}, "colgroup": {"span"},
    "ol": {"start"}, "table": {"align"}, "p": {"align"}, "div": {"align"},
}
# Removed together with everything inside them, not just unwrapped.
_DROP_WITH_CONTENT = {"script", "style", "title", "head", "iframe", "object", "embed",
                      "template", "noscript", "textarea", "select", "svg", "math"}
_URL_SCHEMES = {"http", "https", "mailto", "cid"}
# Markup of any kind ("<bob@x>" and "<https://x>" are none): without it, an "HTML" body
# is plain text under a mailer's wrong label
_ANY_TAG = re.compile(r"<(?:!|/?[A-Za-z][A-Za-z0-9-]*(?=[\s/>]))")
_MAX_MARKUP = 1_000_000  # nh3 is quadratic in the number of "&" in one text


def sanitize_html(html: str) -> str:
    """The body with only allowlisted markup; links get rel="noopener noreferrer".
    Past _MAX_MARKUP characters, its text in a <pre> (nh3 slows down too much)."""
    html = html.encode("utf-8", "replace").decode("utf-8")  # lone surrogates -> "?"
    if len(html) > _MAX_MARKUP or not _ANY_TAG.search(html):
        return "<pre>" + entities.escape(html_to_text(html), quote=False) + "</pre>"
    return nh3.clean(
        _tidy(html), tags=_TAGS, attributes=_ATTRIBUTES, clean_content_tags=_DROP_WITH_CONTENT,
        url_schemes=_URL_SCHEMES, url_relative="deny", link_rel="noopener noreferrer",
        attribute_filter=_filter_attribute, strip_comments=True)


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    """Images only from the message itself (cid:): a remote image tells the sender
    when and where the mail was read. cid: means nothing as a link target."""
    is_cid = value.strip().lower().startswith("cid:")
    if tag == "img" and attribute == "src":
        return value if is_cid else None
    if attribute == "href" and is_cid:
        return None
    return value


# A complete tag with no "<" inside it, a <!...> or <?...> declaration, or a stray "<".
_TOKEN = re.compile(
    r"<(?:(/?)([A-Za-z][A-Za-z0-9:-]{0,60})(?=[\s/>])[^<>]*>|[!?][^<>]*>)|<")
_BARE_AMP = re.compile(r"&(?!#[0-9]{1,8};|#[xX][0-9a-fA-F]{1,8};|[A-Za-z][A-Za-z0-9]{1,31};)")
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
         "param", "source", "track", "wbr"}
_FLAT = {"p", "li", "td", "th", "tr", "dt", "dd", "option", "thead", "tbody", "tfoot"}
_MAX_DEPTH = 256  # real threads nest a few dozen levels; hostile mail nests 50,000


def _tidy(html: str) -> str:
    """Linear passes before either parser, which both slow down quadratically on such
    input: drop comments and <!...>/<?...>, escape every "<" that opens no complete tag
    and every bare "&", drop tags nested deeper than _MAX_DEPTH. nh3 still sanitises."""
    html = _drop_comments(html) if "<!--" in html else html
    depth_and_excess = [0, 0]
    html = _TOKEN.sub(lambda token: _keep_token(token, depth_and_excess), html)
    return _BARE_AMP.sub("&amp;", html)


def _drop_comments(html: str) -> str:
    out: list[str] = []
    i = 0
    while (start := html.find("<!--", i)) >= 0:
        out.append(html[i:start])
        end = html.find("-->", start + 4)
        if end < 0:      # unclosed (Outlook's "<style><!--" cut short): drop the markers, keep the text
            return "".join(out) + html[start:].replace("<!--", "")
        i = end + 3
    out.append(html[i:])
    return "".join(out)


def _keep_token(token: re.Match[str], state: list[int]) -> str:
    """The token to keep ("" drops it); state = [open depth, dropped open tags]."""
    text, name = token.group(0), token.group(2)
    if name is None:
        return "&lt;" if text == "<" else ""
    name, closing = name.lower(), bool(token.group(1))
    if name in _VOID or name in _FLAT or text.endswith("/>"):
        return text
    if closing and state[1]:
        state[1] -= 1
        return ""
    if not closing and state[0] >= _MAX_DEPTH:
        state[1] += 1
        return ""
    state[0] = max(0, state[0] + (-1 if closing else 1))
    return text


_SKIP = {"script", "style", "head", "title", "template", "noscript", "xml", "svg"}
_PARAGRAPH = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "table",
              "pre", "blockquote", "hr"}
_LINE = {"div", "li", "tr", "dt", "dd", "section", "article", "header", "footer",
         "address", "center", "form", "fieldset", "figure", "figcaption", "caption",
         "main", "nav", "aside", "details", "summary", "tbody", "thead", "tfoot"}
_BODY_CONTENT = _PARAGRAPH | _LINE | {"span", "a", "b", "i", "u", "font", "br", "img", "strong", "em"}
_SPACES = re.compile(r"\s+")
# Signature containers the clients mark: Gmail, Outlook on the web, Zoho, Spark, Yahoo,
# Proton. Not Outlook mobile's, which sometimes holds the whole reply.
_SIGNATURE_BLOCK = re.compile(r"\bgmail_signature\b|(?<!\S)Signature(?!\S)|\bZm-_Id_-Sgn\b|"
                              r"\bmessageSignatureSection\b|\bydp\w*signature\b|\bprotonmail_signature_block\b")
_NOT_SIGNATURE = re.compile(r"ms-outlook-mobile-signature")
# What starts a history under a signature: a rule, a header block, a reply header
_HISTORY_START = re.compile(r"\s*(?:---|_{3,}|\*?(?:from|de|von|da|van|od|от)\*?\s*:|"
                            r".*(?:wrote|escribió|schrieb|a écrit)\b.*:\s*$)", re.IGNORECASE)
# Outlook on the web's and Lotus Notes/Domino's containers of the quoted history
_QUOTED_SECTION = re.compile(r"\b(?:x_)?messageReplySection\b|\bdomino-section\b")
# Thunderbird's signature block writes its own "-- ": nothing to mark in the text, but an
# image inside it is the signature's. Not Apple's AppleMailSignature: on a phone it often
# holds what was typed, photos included.
_SELF_MARKED_SIGNATURE = re.compile(r"\bmoz-signature\b")
# Where a client starts the quoted history below the reply, whether or not it quotes it:
# Outlook on the web, Gmail, Thunderbird, Yahoo, Zoho, Proton
_HISTORY_CONTAINER = re.compile(r"\b(?:x_)?divRplyFwdMsg\b|\b(?:x_)?appendonsend\b|\bgmail_quote\b|"
                                r"\bmoz-cite-prefix\b|\byahoo_quoted\b|\bzmail_extra\b|"
                                r"\bprotonmail_quote\b|\bOutlookMessageHeader\b")
_CSS_SIZE = re.compile(r"(?:^|;)\s*(width|height)\s*:\s*([^;]{1,40})", re.IGNORECASE)
_LENGTH = re.compile(r"\s*(\d{1,5}(?:\.\d{1,4})?|\.\d{1,4})\s*(px|in|pt|cm|mm)?\s*(?:!important)?\s*",
                     re.IGNORECASE)
_PX_PER = {"px": 1.0, "in": 96.0, "pt": 96 / 72, "cm": 96 / 2.54, "mm": 96 / 25.4}
_TAG = re.compile(r"<[^>]{0,10000}>")


def _writers_own(attrs: list[tuple[str, str | None]]) -> bool:
    """Gmail's and Apple Mail's "indent" (margin, border:none) and Outlook on the web's
    (margins zeroed, no border) make a blockquote with no cite type and no class: it
    holds what the writer typed, not a quotation. So does a passage the writer cites
    from a web page (cite="https://..."): mail clients cite a message ("mid:")."""
    given = {k: (v or "") for k, v in attrs}
    if "type" in given or "class" in given:
        return False
    if given.get("cite", "").strip().lower().startswith(("http://", "https://")):
        return True
    style = given.get("style", "").replace(" ", "").lower()
    return "border:none" in style or (style.startswith("margin-top:0;margin-bottom:0") and "border" not in style)


@dataclass(frozen=True)
class CidImage:
    """An image the HTML shows from the message itself (src="cid:..."), and where."""
    content_id: str           # lower-case, without "cid:"
    width: float | None       # as declared, in CSS pixels; None when not given in a length
    height: float | None
    in_history: bool          # inside a quotation, or below where the quoted history starts
    in_signature: bool        # inside a signature the mail client marked


def cid_images(html: str) -> list[CidImage]:
    """Every cid: image of the HTML, in order, with where it stands; [] when the markup
    cannot be read."""
    renderer = _TextRenderer(notes_images=True)
    try:
        renderer.feed(_tidy(html))
        renderer.close()
    except Exception:  # noqa: BLE001 - as in html_to_text
        return []
    return renderer.images


def _css_pixels(value: str | None) -> float | None:
    found = _LENGTH.fullmatch(value or "")
    if found is None:
        return None      # a percentage, "auto", junk
    return float(found[1]) * _PX_PER[(found[2] or "px").lower()]


def _declared_size(given: dict[str, str]) -> tuple[float | None, float | None]:
    """The size an <img> is shown at: its style first (it wins in a browser), then
    its width and height attributes."""
    style = {name.lower(): _css_pixels(value) for name, value in _CSS_SIZE.findall(given.get("style", ""))}
    width, height = style.get("width"), style.get("height")
    return (width if width is not None else _css_pixels(given.get("width")),
            height if height is not None else _css_pixels(given.get("height")))


def html_to_text(html: str) -> str:
    """Readable text: blocks on their own lines, blockquotes as "> ", links as
    "text (url)", entities decoded, scripts, styles and the head left out."""
    if not _ANY_TAG.search(html):   # plain text under an HTML label: its lines are its own
        return entities.unescape(html.replace("\r\n", "\n")).strip()
    renderer = _TextRenderer()
    try:
        renderer.feed(_tidy(html))
        renderer.close()
    except Exception:  # noqa: BLE001 - html.parser has raised on odd input before;
        return _crude_text(html)  # a body must never stop a message's ingest
    return renderer.text()


def _crude_text(html: str) -> str:
    return _SPACES.sub(" ", entities.unescape(_TAG.sub(" ", html))).strip()


class _TextRenderer(HTMLParser):
    """Collects lines; a line gets its "> " prefix when it is finished."""

    def __init__(self, notes_images: bool = False) -> None:
        """`notes_images`: also note every cid: image and where it stands (`images`)."""
        super().__init__(convert_charrefs=True)
        self._lines: list[str] = []
        self._buffer: list[str] = []
        self._skipping: list[str] = []
        self._links: list[tuple[str, int, int]] = []  # (href, line count, buffer size)
        self._lists: list[int] = []  # per open list: next number, or 0 for bullets
        self._indent = ""  # a list item's bullet, put before its line when it ends
        self._quote = 0
        self._pre = 0
        # per open div: "quote" (a quoted section), "signature" (marked "-- " in the text),
        # "signed" (a signature that wrote its own "-- ") or ""
        self._divs: list[str] = []
        self._signatures: list[tuple[int, int]] = []  # (line of its "-- ", line after its end)
        self._blockquotes: list[bool] = []  # per open blockquote: a quote, or only an indent
        self.notes_images = notes_images
        self.images: list[CidImage] = []
        self._history = False       # the quoted history has started (for images only)
        self._auto_signature = False  # Outlook's signature bookmark was passed

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body" or (self._skipping == ["head"] and tag in _BODY_CONTENT):
            self._skipping.clear()  # an unclosed <head> must not hide the body; content ends it
        if tag in _SKIP:
            self._skipping.append(tag)
        if self._skipping:
            return
        if tag == "blockquote":
            self._blockquotes.append(not _writers_own(attrs))
            if not self._blockquotes[-1]:
                tag = "div"       # the editor's indent button: the writer's own text
        self._open_block(tag)
        if tag == "div":
            self._open_div(" ".join(v or "" for k, v in attrs if k in ("class", "id", "name")),
                           dict(attrs).get("style") or "")
        elif tag == "img" and self.notes_images:
            self._note_image(attrs)
        if tag == "a":
            if self.notes_images:   # x__MailAutoSig in a reply
                self._auto_signature |= (dict(attrs).get("name") or "").endswith("_MailAutoSig")
            href = (dict(attrs).get("href") or "").strip()
            self._links.append((href, len(self._lines), len(self._buffer)))
        elif tag == "li":
            self._start_item()
        elif tag in ("td", "th") and self._buffer:
            self._buffer.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._skipping:
            del self._skipping[len(self._skipping) - 1 - self._skipping[::-1].index(tag):]
            return
        if self._skipping:
            return
        if tag == "a" and self._links:
            self._close_link(*self._links.pop())
        elif tag in ("ul", "ol") and self._lists:
            self._lists.pop()
        if tag == "blockquote" and self._blockquotes and not self._blockquotes.pop():
            self._paragraph()
        elif tag == "blockquote" or (tag == "div" and self._divs and self._close_div() == "quote"):
            self._soft_break()  # the last quoted line keeps its "> "
            self._quote = max(0, self._quote - 1)
            self._paragraph()
        elif tag == "pre":
            self._paragraph()
            self._pre = max(0, self._pre - 1)
        elif tag in _PARAGRAPH:
            self._paragraph()
        elif tag in _LINE:
            self._soft_break()

    def handle_data(self, data: str) -> None:
        if self._skipping == ["head"] and data.strip():
            self._skipping.clear()  # text in the head starts the body, as browsers show it
        if self._skipping or not data:
            return
        if not self._pre:
            self._buffer.append(_SPACES.sub(" ", data))
            return
        first, *rest = data.replace("\r\n", "\n").split("\n")
        self._buffer.append(first)
        for piece in rest:
            self._hard_break()
            self._buffer.append(piece)

    def _open_block(self, tag: str) -> None:
        if tag == "br":
            self._hard_break()
        elif tag == "hr":
            self._paragraph()
            self._buffer.append("---")  # quote stripping reads it as Outlook's rule
            self._paragraph()
        elif tag in _PARAGRAPH:
            self._paragraph()
            self._quote += tag == "blockquote"
            self._pre += tag == "pre"
            if tag in ("ul", "ol"):
                self._lists.append(1 if tag == "ol" else 0)
        elif tag in _LINE:
            self._soft_break()

    def _open_div(self, names: str, style: str) -> None:
        kind = "quote" if _QUOTED_SECTION.search(names) else ""
        if not kind and _SIGNATURE_BLOCK.search(names) and not _NOT_SIGNATURE.search(names):
            self._soft_break()
            written = next((line.strip("> ") for line in reversed(self._lines) if line.strip("> ")), "")
            kind = "signed"
            if written != "--":       # Gmail often writes its own "-- " above the block
                self._lines.append(self._prefix("-- "))   # as the plain-text version writes it
                self._signatures.append((len(self._lines) - 1, -1))
                kind = "signature"
        elif not kind and _SELF_MARKED_SIGNATURE.search(names):
            kind = "signed"
        if self.notes_images and not self._history:
            compact = style.replace(" ", "").lower()
            # Outlook's reply header sits in a div ruled on top only: the history starts there
            self._history = bool(_HISTORY_CONTAINER.search(names)) or (
                "border-top:solid" in compact and "border:none" in compact)
        self._divs.append(kind)
        if kind == "quote":   # Outlook on the web puts the history in a section, not a blockquote
            self._paragraph()
            self._quote += 1

    def _note_image(self, attrs: list[tuple[str, str | None]]) -> None:
        given = {k: (v or "") for k, v in attrs}
        source = given.get("src", "").strip()
        if not source.lower().startswith("cid:"):
            return
        width, height = _declared_size(given)
        self.images.append(CidImage(
            unquote(source[4:]).strip().strip("<>").lower(), width, height,
            in_history=self._history or self._quote > 0,
            in_signature=self._auto_signature or any(k in ("signature", "signed") for k in self._divs)))

    def _close_div(self) -> str:
        kind = self._divs.pop()
        if kind == "signature":   # the innermost signature still open ends here
            self._soft_break()
            innermost = [i for i, (_, end) in enumerate(self._signatures) if end < 0][-1]
            self._signatures[innermost] = (self._signatures[innermost][0], len(self._lines))
        return kind

    def _unmark_signatures_with_text_after(self) -> None:
        """Text typed below a marked signature, and no history under it, is the
        writer's: the "-- " would hide it, so it goes."""
        for marker, end in reversed(self._signatures):
            after = [line for line in self._lines[end:] if line.strip("> ")] if end >= 0 else []
            if after and not any(line.startswith(">") for line in after) and not _HISTORY_START.match(after[0]):
                del self._lines[marker]

    def _start_item(self) -> None:
        depth = min(max(0, len(self._lists) - 1), 16)
        number = self._lists[-1] if self._lists else 0
        if number:
            self._lists[-1] += 1
        self._soft_break()
        self._indent = "  " * depth + (f"{number}. " if number else "- ")

    def _close_link(self, href: str, lines: int, start: int) -> None:
        if not href.lower().startswith(("http://", "https://", "mailto:")):
            return
        label = "".join(self._buffer[start:]).strip() if lines == len(self._lines) else ""
        shown = href[7:] if href.lower().startswith("mailto:") else href
        if label and label not in (href, shown) and label.rstrip("/") != href.rstrip("/"):
            self._buffer.append(f" ({shown})")

    def _hard_break(self) -> None:
        """<br>: end the line even when it is empty."""
        self._finish_line(keep_empty=True)

    def _soft_break(self) -> None:
        """A block boundary: end the line only if something was written on it."""
        self._finish_line(keep_empty=False)

    def _paragraph(self) -> None:
        """One empty line, at the quote depth of what follows it."""
        self._soft_break()
        if self._lines and not self._lines[-1].strip("> "):
            if self._lines[-1].count(">") > self._quote:  # a quote just closed
                self._lines[-1] = self._prefix("")
        elif self._lines:
            self._lines.append(self._prefix(""))

    def _finish_line(self, keep_empty: bool) -> None:
        raw = "".join(self._buffer).replace("\xa0", " ")
        self._buffer.clear()
        line = raw.rstrip() if self._pre else _SPACES.sub(" ", raw).strip()
        if line or keep_empty:
            self._lines.append(self._prefix(self._indent + line))
            self._indent = ""

    def _prefix(self, line: str) -> str:
        return ("> " * min(self._quote, 32) + line).rstrip() if self._quote else line

    def text(self) -> str:
        self._soft_break()
        self._unmark_signatures_with_text_after()
        out: list[str] = []
        for line in self._lines:
            if line.strip("> ") or (out and out[-1].strip("> ")):
                out.append(line)  # at most one empty line in a row
        return "\n".join(out).strip("\n").rstrip()
