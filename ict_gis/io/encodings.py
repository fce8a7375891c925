"""Legacy Vietnamese text encodings: TCVN3 (ABC) and Windows-1258, detected and decoded.

Shapefiles and CSV files made before Unicode was common in Viet Nam hold
their text in TCVN3 (the "ABC" fonts, ``.VnTime``) or in Windows-1258, often
with no ``.cpg`` saying so. GDAL then reads them as Latin-1 (``Tr¹m`` for
``Trạm``), and for Windows-1258 it drops the last character of some strings.
This module reads the raw bytes and decodes them itself, to Unicode NFC.

Source of the TCVN3 table: TCVN 5712:1993 (VN1, of which the ABC/VN3 set
is the part 0xA0-0xFF), as tabulated in GNU libiconv's ``lib/tcvn.h``
(``tcvn_2uni_1`` and ``tcvn_2uni_2``); the table below was typed from that
chart, byte by byte.
"""

from __future__ import annotations

import struct
import unicodedata
from pathlib import Path

from ict_gis.errors import LayerReadError

__all__ = ["ENCODINGS", "decode_text", "detect_encoding", "read_dbf_text"]

#: The encodings this module decodes (names as ``--encoding`` takes them).
ENCODINGS: tuple[str, ...] = ("utf-8", "tcvn3", "cp1258")

# TCVN 5712:1993, bytes 0x00-0x17 (upper-case letters in the control range).
_TCVN_LOW = (
    0x0000, 0x00DA, 0x1EE4, 0x0003, 0x1EEA, 0x1EEC, 0x1EEE, 0x0007,
    0x0008, 0x0009, 0x000A, 0x000B, 0x000C, 0x000D, 0x000E, 0x000F,
    0x0010, 0x1EE8, 0x1EF0, 0x1EF2, 0x1EF6, 0x1EF8, 0x00DD, 0x1EF4,
)  # fmt: skip
# TCVN 5712:1993, bytes 0x80-0xFF.
_TCVN_HIGH = (
    0x00C0, 0x1EA2, 0x00C3, 0x00C1, 0x1EA0, 0x1EB6, 0x1EAC, 0x00C8,
    0x1EBA, 0x1EBC, 0x00C9, 0x1EB8, 0x1EC6, 0x00CC, 0x1EC8, 0x0128,
    0x00CD, 0x1ECA, 0x00D2, 0x1ECE, 0x00D5, 0x00D3, 0x1ECC, 0x1ED8,
    0x1EDC, 0x1EDE, 0x1EE0, 0x1EDA, 0x1EE2, 0x00D9, 0x1EE6, 0x0168,
    0x00A0, 0x0102, 0x00C2, 0x00CA, 0x00D4, 0x01A0, 0x01AF, 0x0110,
    0x0103, 0x00E2, 0x00EA, 0x00F4, 0x01A1, 0x01B0, 0x0111, 0x1EB0,
    0x0300, 0x0309, 0x0303, 0x0301, 0x0323, 0x00E0, 0x1EA3, 0x00E3,
    0x00E1, 0x1EA1, 0x1EB2, 0x1EB1, 0x1EB3, 0x1EB5, 0x1EAF, 0x1EB4,
    0x1EAE, 0x1EA6, 0x1EA8, 0x1EAA, 0x1EA4, 0x1EC0, 0x1EB7, 0x1EA7,
    0x1EA9, 0x1EAB, 0x1EA5, 0x1EAD, 0x00E8, 0x1EC2, 0x1EBB, 0x1EBD,
    0x00E9, 0x1EB9, 0x1EC1, 0x1EC3, 0x1EC5, 0x1EBF, 0x1EC7, 0x00EC,
    0x1EC9, 0x1EC4, 0x1EBE, 0x1ED2, 0x0129, 0x00ED, 0x1ECB, 0x00F2,
    0x1ED4, 0x1ECF, 0x00F5, 0x00F3, 0x1ECD, 0x1ED3, 0x1ED5, 0x1ED7,
    0x1ED1, 0x1ED9, 0x1EDD, 0x1EDF, 0x1EE1, 0x1EDB, 0x1EE3, 0x00F9,
    0x1ED6, 0x1EE7, 0x0169, 0x00FA, 0x1EE5, 0x1EEB, 0x1EED, 0x1EEF,
    0x1EE9, 0x1EF1, 0x1EF3, 0x1EF7, 0x1EF9, 0x00FD, 0x1EF5, 0x1ED0,
)  # fmt: skip
_TCVN3 = {
    **{b: chr(u) for b, u in enumerate(_TCVN_LOW)},
    **{b: chr(b) for b in range(0x18, 0x80)},
    **{0x80 + i: chr(u) for i, u in enumerate(_TCVN_HIGH)},
}
#: Letters of Vietnamese (NFC), lower case: what decoded text should be made of.
_VIET = set(
    "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵfjwz"
)


def decode_text(raw: bytes, encoding: str) -> str:
    r"""Decode ``raw`` bytes in one of :data:`ENCODINGS` to Unicode NFC.

    Raises
    ------
    UnicodeDecodeError
        If the bytes are not valid in that encoding (UTF-8, or the five bytes
        Windows-1258 leaves undefined).

    Examples
    --------
    >>> decode_text(b"Nam \xa7\xdenh", "tcvn3")
    'Nam Định'
    >>> decode_text(b"Tra\xf2m", "cp1258")
    'Trạm'
    """
    text = "".join(_TCVN3[b] for b in raw) if encoding == "tcvn3" else raw.decode(encoding)
    return unicodedata.normalize("NFC", text)


_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
_VOWELS = set("aăâeêioôơuưy")
_NUCLEI = set(
    [
        "a",
        "ă",
        "â",
        "e",
        "ê",
        "i",
        "o",
        "ô",
        "ơ",
        "u",
        "ư",
        "y",
        "ai",
        "ao",
        "au",
        "ay",
        "âu",
        "ây",
        "eo",
        "êu",
        "ia",
        "iê",
        "iu",
        "oa",
        "oă",
        "oe",
        "oi",
        "ôi",
        "ơi",
        "oo",
        "ua",
        "uâ",
        "uê",
        "ui",
        "uô",
        "uơ",
        "uy",
        "ưa",
        "ưi",
        "ươ",
        "ưu",
        "yê",
        "iêu",
        "oai",
        "oay",
        "oeo",
        "uây",
        "uôi",
        "ươi",
        "ươu",
        "uya",
        "uyê",
        "yêu",
        "uyu",
    ]
)
#: Nuclei that end the syllable (no final consonant may follow).
_OPEN = set(
    [
        "ai",
        "ao",
        "au",
        "ay",
        "âu",
        "ây",
        "eo",
        "êu",
        "ia",
        "iu",
        "oi",
        "ôi",
        "ơi",
        "ui",
        "ưa",
        "ưi",
        "ưu",
        "iêu",
        "oai",
        "oay",
        "oeo",
        "uây",
        "uôi",
        "ươi",
        "ươu",
        "uya",
        "yêu",
        "uyu",
    ]
)
_INITIALS = set(
    [
        "b",
        "c",
        "ch",
        "d",
        "đ",
        "g",
        "gh",
        "gi",
        "h",
        "k",
        "kh",
        "l",
        "m",
        "n",
        "ng",
        "ngh",
        "nh",
        "p",
        "ph",
        "qu",
        "r",
        "s",
        "t",
        "th",
        "tr",
        "v",
        "x",
    ]
) | {""}
_FINALS = {"", "c", "ch", "m", "n", "ng", "nh", "p", "t"}


def _syllable_ok(word: str) -> bool:
    """Whether ``word`` (lower case, NFC) is a possible Vietnamese syllable."""
    base = unicodedata.normalize("NFD", word)
    if sum(c in _TONES for c in base) > 1:
        return False
    plain = unicodedata.normalize("NFC", "".join(c for c in base if c not in _TONES))
    i = 0
    while i < len(plain) and plain[i] not in _VOWELS:
        i += 1
    initial = plain[:i]
    j = i
    while j < len(plain) and plain[j] in _VOWELS:
        j += 1
    nucleus, final = plain[i:j], plain[j:]
    if initial in ("q", "g") and nucleus[:1] in ("u", "i") and len(nucleus) > 1:
        initial, nucleus = initial + nucleus[0], nucleus[1:]
    if not nucleus:
        return False
    return (
        initial in _INITIALS
        and nucleus in _NUCLEI
        and final in _FINALS
        and not (final and nucleus in _OPEN)
    )


def _score(text: str) -> float:
    """Share of the words of ``text`` with non-ASCII letters that are Vietnamese syllables."""
    words = [w for w in "".join(c if c.isalpha() else " " for c in text.lower()).split()]
    marked = [w for w in words if not w.isascii()]
    if not marked:
        return 1.0
    return sum(_syllable_ok(w) for w in marked) / len(marked)


def detect_encoding(samples: list[bytes]) -> str:
    r"""Guess the encoding of some text values: UTF-8, TCVN3 or Windows-1258.

    UTF-8 when every value decodes as UTF-8 (plain ASCII included);
    otherwise the legacy encoding whose decoded text is made of Vietnamese
    letters most (TCVN3 puts its accented letters where Windows-1258 has
    symbols and combining marks, so the wrong choice yields ``¹``, ``§``...).

    Examples
    --------
    >>> detect_encoding([b"Tr\xb9m Nam \xa7\xdenh"]), detect_encoding([b"Tra\xf2m"])
    ('tcvn3', 'cp1258')
    """
    try:
        for raw in samples:
            raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    joined = b" ".join(samples)
    scores = {}
    for encoding in ("tcvn3", "cp1258"):
        try:
            scores[encoding] = _score(decode_text(joined, encoding))
        except UnicodeDecodeError:
            scores[encoding] = -1.0
    return max(scores, key=lambda e: (scores[e], e == "tcvn3"))


def read_dbf_text(path: str | Path) -> dict[str, list[bytes]]:
    """Read the raw bytes of the text (``C``) fields of a dBASE file, record by record.

    Deleted records are skipped, as GDAL skips them. Trailing spaces (dBASE
    padding) are removed; nothing else is touched.

    Raises
    ------
    LayerReadError
        If the file is not a dBASE table.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LayerReadError(f"{path}: cannot read ({exc}).") from exc
    if len(data) < 32:
        raise LayerReadError(f"{path}: not a dBASE file (too short).")
    n_records, header_len, record_len = struct.unpack("<IHH", data[4:12])
    fields: list[tuple[str, str, int, int]] = []
    pos, offset = 32, 1
    while pos + 32 <= header_len and data[pos] != 0x0D:
        name = data[pos : pos + 11].split(b"\0", 1)[0].decode("ascii", "replace")
        kind = chr(data[pos + 11])
        length = data[pos + 16]
        fields.append((name, kind, offset, length))
        offset += length
        pos += 32
    out: dict[str, list[bytes]] = {name: [] for name, kind, *_ in fields if kind == "C"}
    for r in range(n_records):
        start = header_len + r * record_len
        record = data[start : start + record_len]
        if len(record) < record_len:
            raise LayerReadError(f"{path}: the file ends inside record {r + 1}.")
        if record[:1] == b"*":
            continue
        for name, kind, off, length in fields:
            if kind == "C":
                out[name].append(record[off : off + length].rstrip(b" \0"))
    return out
