"""content_key: the same for deliveries that differ only in transport details, computed
window by window with the same result as on the whole body."""
import pytest

from daemon.ingest.identity import body_start, normalised_body


def whole(raw: bytes) -> bytes:
    body = raw.partition(b"\r\n\r\n")[2] if b"\r\n\r\n" in raw else raw.partition(b"\n\n")[2]
    return body.replace(b"\r\n", b"\n").rstrip()


@pytest.mark.parametrize("raw", [
    b"Subject: a\r\n\r\nline one\r\nline two\r\n\r\n  \r\n",
    b"Subject: a\n\nline one\nline two   \n",
    b"Subject: a\r\n\r\n" + b"x" * 9 + b"\r\n" + b"y \t\r\n" * 7 + b"z",
    b"Subject: a\r\n\r\n",
    b"no body at all",
])
@pytest.mark.parametrize("window", [1, 2, 3, 7, 1 << 20])
def test_windows_give_the_whole_body_result(raw, window):
    assert b"".join(normalised_body(raw, window)) == whole(raw)


@pytest.mark.parametrize("raw, body", [
    (b"Subject: a\r\n\r\nbody\r\n\r\nmore", b"body\r\n\r\nmore"),
    (b"Subject: a\n\nbody\n\nmore", b"body\n\nmore"),
    (b"Subject: a\n\nbody\r\n\r\nmore", b"body\r\n\r\nmore"),            # LF blank line first
    (b"Subject: a\r\n\r\nbody\n\nmore", b"body\n\nmore"),                # CRLF blank line first
    (b"Subject: a\r\n\nbody", b"body"),                                  # CRLF then a bare LF
    (b"\n\nbody", b"body"),
    (b"\r\n\r\n", b""),
    (b"Subject: a\r\nno blank line", b""),
])
def test_the_body_begins_after_the_first_blank_line_of_either_kind(raw, body):
    assert raw[body_start(raw):] == body
