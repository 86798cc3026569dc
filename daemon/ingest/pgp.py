"""Inline OpenPGP signatures (RFC 4880 §7, the "cleartext signature"): mail programs
that sign in the text itself (Mutt, K-9, Enigmail's inline mode, gpg --clearsign by
hand) wrap it in armour lines, a hash header and a signature block. None of that is
what the customer wrote, and the armour line would hide a first-line #command from
staff. signed_text(text) gives back the signed text, its dash-escaping undone; the raw
message keeps the signature. Pure, linear: each line is looked at a bounded number of
times."""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

BEGIN = "-----BEGIN PGP SIGNED MESSAGE-----"
_SIGNATURE = "-----BEGIN PGP SIGNATURE-----"
_END = "-----END PGP SIGNATURE-----"
_ARMOUR_HEADER = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,30}: .{0,200}")
_MAX_ARMOUR_HEADERS = 8
_MAX_NESTING = 4


def signed_text(text: str) -> str:
    """`text` with every complete cleartext-signed block replaced by what it signs;
    a block cut short (no signature, no end line) is left as it came. A message signed
    again after signing (its inner armour dash-escaped) is unwrapped level by level."""
    for _ in range(_MAX_NESTING):
        if BEGIN not in text:
            break
        unwrapped = _unwrapped_once(text)
        if unwrapped == text:
            break
        text = unwrapped
    return text


def _unwrapped_once(text: str) -> str:
    lines = text.split("\n")
    begins = [i for i, line in enumerate(lines) if line.rstrip() == BEGIN]
    signatures = [i for i, line in enumerate(lines) if line.rstrip() == _SIGNATURE]
    out: list[str] = []
    i = 0
    while i < len(lines):
        if lines[i].rstrip() == BEGIN and signatures and signatures[-1] > i:
            block = _signed_block(lines, i, begins, signatures)
            if block is not None:
                signed, i = block
                out.extend(signed)
                continue
        out.append(lines[i])
        i += 1
    return "\n".join(out)


def _signed_block(lines: list[str], start: int, begins: list[int],
                  signatures: list[int]) -> tuple[list[str], int] | None:
    """(the signed lines, the index after the block) of a block starting at `start`;
    `begins` and `signatures`: the indexes of those armour lines, in order."""
    body = start + 1
    while body < len(lines) and lines[body].strip():
        if body - start > _MAX_ARMOUR_HEADERS or not _ARMOUR_HEADER.fullmatch(lines[body].rstrip()):
            return None       # not armour headers ("Hash: SHA256"): not a signed message
        body += 1
    body += 1                 # the blank line after the headers
    found = bisect_left(signatures, body)
    if found == len(signatures):
        return None
    signature = signatures[found]
    later = bisect_right(begins, start)
    if later < len(begins) and begins[later] < signature:
        return None           # another signed message starts before this one's signature
    end = next((j for j in range(signature + 1, min(len(lines), signature + 200))
                if lines[j].rstrip() == _END), None)
    if end is None:
        return None
    signed = [line[2:] if line.startswith("- ") else line for line in lines[body:signature]]
    return signed, end + 1
