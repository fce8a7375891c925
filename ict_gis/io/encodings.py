"""Legacy Vietnamese text encodings: TCVN3 (ABC), VNI and Windows-1258, detected and decoded.

Shapefiles and CSV files made before Unicode was common in Viet Nam hold
their text in TCVN3 (the "ABC" fonts, ``.VnTime``), in VNI (the "VNI-Windows"
fonts, ``VNI-Times``) or in Windows-1258, often with no ``.cpg`` saying so.
GDAL then reads them as Latin-1 (``Tr¹m`` for ``Trạm``), and for Windows-1258
it drops the last character of some strings. This module reads the raw bytes
and decodes them itself, to Unicode NFC.

Source of the TCVN3 table: TCVN 5712:1993 (VN1, of which the ABC/VN3 set
is the part 0xA0-0xFF), as tabulated in GNU libiconv's ``lib/tcvn.h``
(``tcvn_2uni_1`` and ``tcvn_2uni_2``); the table below was typed from that
chart, byte by byte.

Source of the VNI table: the "VNI-WIN" double-byte table of UniKey's VnConv
library (Pham Kim Long, ``unikey/data.cpp``, ``DoubleByteTables``, as kept in
fcitx5-unikey), checked against Dao Hai Lam's xvnkb ``vni.h``. VNI writes a
Vietnamese letter as its base letter followed by one byte for its marks
(``a`` + 0xF9 = ``á``, ``a`` + 0xE1 = ``ấ``); đ, ơ, ư, the five toned i and
ỵ are single bytes; the other bytes are those of Windows-1252. The tables
below were typed from those, mark by mark.
"""

from __future__ import annotations

import codecs
import contextlib
import re
import struct
import unicodedata
from pathlib import Path

from ict_gis.errors import LayerReadError

__all__ = [
    "ENCODINGS",
    "LEGACY_ENCODINGS",
    "canonical_encoding",
    "decode_file",
    "decode_text",
    "detect_encoding",
    "nfc",
    "read_dbf_text",
]


def nfc(text: object) -> str:
    """Return ``text`` stripped and in Unicode NFC (composed and decomposed "ủ" alike)."""
    return unicodedata.normalize("NFC", str(text)).strip()


#: The encodings this module decodes (names as ``--encoding`` takes them).
ENCODINGS: tuple[str, ...] = ("utf-8", "tcvn3", "vni", "cp1258")
#: The legacy Vietnamese encodings tried when text is not UTF-8.
LEGACY_ENCODINGS: tuple[str, ...] = ("tcvn3", "vni", "cp1258")
#: Which legacy encoding wins a tie (text that reads as Vietnamese in two of
#: them): the one most common in that kind of file. Shapefiles of Vietnamese
#: agencies were mostly typed in TCVN3 (ABC) or VNI fonts; Excel on a
#: Vietnamese Windows saves CSV in Windows-1258.
PREFERENCE: dict[str, tuple[str, ...]] = {
    "dbf": ("tcvn3", "vni", "cp1258"),
    "csv": ("cp1258", "tcvn3", "vni"),
}
#: Below this share of Vietnamese words no legacy encoding is believed.
MIN_SCORE = 0.3

#: Other spellings of the encodings of :data:`ENCODINGS`.
_ALIASES = {
    "utf8": "utf-8",
    "utf-8": "utf-8",
    "utf-8-sig": "utf-8",
    "65001": "utf-8",
    "tcvn3": "tcvn3",
    "tcvn": "tcvn3",
    "tcvn-3": "tcvn3",
    "tcvn5712": "tcvn3",
    "abc": "tcvn3",
    "vni": "vni",
    "vni-windows": "vni",
    "vni-win": "vni",
    "cp1258": "cp1258",
    "windows-1258": "cp1258",
    "1258": "cp1258",
}
#: Names of the encodings in messages.
ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "tcvn3": "TCVN3 (ABC)",
    "vni": "VNI-Windows",
    "cp1258": "Windows-1258",
}

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


_ACUTE, _GRAVE, _HOOK, _TILDE, _DOT = "\u0301", "\u0300", "\u0309", "\u0303", "\u0323"
_CIRCUMFLEX, _BREVE = "\u0302", "\u0306"
# VNI: the single-byte letters (upper case; lower case is the byte + 0x20).
_VNI_LETTERS_UPPER = {
    0xD1: "Đ", 0xD4: "Ơ", 0xD6: "Ư", 0xCD: "Í", 0xCC: "Ì",
    0xC6: "Ỉ", 0xD3: "Ĩ", 0xD2: "Ị", 0xCE: "Ỵ",
}  # fmt: skip
_VNI_LETTERS = {
    **{b: c for b, c in _VNI_LETTERS_UPPER.items()},
    **{b + 0x20: c.lower() for b, c in _VNI_LETTERS_UPPER.items()},
}
# VNI: the mark bytes (lower-case form), the marks they add and the letters
# they follow. Order in UniKey's table: sắc, huyền, hỏi, ngã, nặng.
_VNI_MARKS: dict[int, tuple[str, str]] = {
    # tones alone, on a e o u y ơ ư
    0xF9: (_ACUTE, "aeouyơư"),
    0xF8: (_GRAVE, "aeouyơư"),
    0xFB: (_HOOK, "aeouyơư"),
    0xF5: (_TILDE, "aeouyơư"),
    0xEF: (_DOT, "aeouyơư"),
    # circumflex, alone and with each tone: â ê ô
    0xE2: (_CIRCUMFLEX, "aeo"),
    0xE1: (_CIRCUMFLEX + _ACUTE, "aeo"),
    0xE0: (_CIRCUMFLEX + _GRAVE, "aeo"),
    0xE5: (_CIRCUMFLEX + _HOOK, "aeo"),
    0xE3: (_CIRCUMFLEX + _TILDE, "aeo"),
    0xE4: (_CIRCUMFLEX + _DOT, "aeo"),
    # breve, alone and with each tone: ă
    0xEA: (_BREVE, "a"),
    0xE9: (_BREVE + _ACUTE, "a"),
    0xE8: (_BREVE + _GRAVE, "a"),
    0xFA: (_BREVE + _HOOK, "a"),
    0xFC: (_BREVE + _TILDE, "a"),
    0xEB: (_BREVE + _DOT, "a"),
}


def _cp1252(byte: int) -> str:
    """Return the Windows-1252 character of a byte (Latin-1 for the five undefined)."""
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:
        return chr(byte)


#: VNI bytes 0x80-0xFF, read as Latin-1, to their characters (marks aside).
_VNI_SINGLE = {b: _VNI_LETTERS.get(b, _cp1252(b)) for b in range(0x80, 0x100)}
#: A letter that takes marks, then a mark byte (both as read as Latin-1).
_VNI_PAIR = re.compile(
    "([AEOUYaeouy\xd4\xf4\xd6\xf6])([" + "".join(chr(b) + chr(b - 0x20) for b in _VNI_MARKS) + "])"
)


def _vni_pair(match: re.Match) -> str:
    base, mark = match.group(1), ord(match.group(2)) | 0x20
    letter = _VNI_SINGLE.get(ord(base), base)
    marks, bases = _VNI_MARKS[mark]
    if letter.lower() not in bases:
        return match.group(0)
    return letter + marks


def _decode_vni(raw: bytes) -> str:
    """Decode VNI-Windows bytes (not yet NFC): a mark byte joins the letter before it.

    A mark byte of either case joins a base letter of either case (converters
    do not all keep VNI's rule of upper-case marks after upper-case letters);
    a mark byte after anything else is its Windows-1252 character.
    """
    text = _VNI_PAIR.sub(_vni_pair, raw.decode("latin-1"))
    return text.translate(_VNI_SINGLE)


def decode_text(raw: bytes, encoding: str) -> str:
    r"""Decode ``raw`` bytes in one of :data:`ENCODINGS` (or a Python codec) to Unicode NFC.

    Raises
    ------
    UnicodeDecodeError
        If the bytes are not valid in that encoding (UTF-8, or the five bytes
        Windows-1258 leaves undefined). TCVN3 and VNI decode every byte.

    Examples
    --------
    >>> decode_text(b"Nam \xa7\xdenh", "tcvn3")
    'Nam Định'
    >>> decode_text(b"Nam \xd1\xf2nh", "vni")
    'Nam Định'
    >>> decode_text(b"Tra\xf2m", "cp1258")
    'Trạm'
    """
    if encoding == "tcvn3":
        text = raw.decode("latin-1").translate(_TCVN3)
    elif encoding == "vni":
        text = _decode_vni(raw)
    else:
        text = raw.decode(encoding)
    return unicodedata.normalize("NFC", text)


def _text_codec(codec: str) -> None:
    """Raise :class:`LookupError` unless ``codec`` decodes bytes to text (not base64, zlib...)."""
    with contextlib.suppress(UnicodeDecodeError):
        b"aa".decode(codec)


def canonical_encoding(name: str) -> str:
    """Return the name of an encoding as this module uses it.

    ``utf-8``, ``tcvn3``, ``vni`` and ``cp1258`` (and their usual spellings:
    ``UTF8``, ``ABC``, ``VNI-Windows``, ``Windows-1258``, ``1258`` ...), or
    any Python codec (``latin-1``, ``cp1252`` ...), by its codec name.

    Raises
    ------
    LayerReadError
        If the name is none of these; the message lists the accepted names.

    Examples
    --------
    >>> canonical_encoding("VNI-Windows"), canonical_encoding("Windows-1258")
    ('vni', 'cp1258')
    >>> canonical_encoding("latin_1")
    'iso8859-1'
    """
    key = name.strip().lower().replace("_", "-").replace(" ", "-")
    if key in _ALIASES:
        return _ALIASES[key]
    try:
        codec = codecs.lookup(key).name
        _text_codec(codec)
        return codec
    except LookupError:
        raise LayerReadError(
            f"unknown encoding {name!r}: use one of {', '.join(ENCODINGS)} "
            "(or a Python codec name such as cp1252 or latin-1)."
        ) from None


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
        "kr",
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
#: Finals; "k" only in names from minority languages (Đắk Lắk, Krông Búk).
_FINALS = {"", "c", "ch", "k", "m", "n", "ng", "nh", "p", "t"}


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
        and _spelled(initial, nucleus)
    )


def _spelled(initial: str, nucleus: str) -> bool:
    """Whether the initial is spelled as before this vowel (k, gh, ngh before e, ê, i)."""
    front = nucleus[0] in "eêiy"
    if initial in ("k", "gh", "ngh"):
        return front
    if initial in ("c", "ng"):
        return not front
    return not (initial == "g" and nucleus[0] in "eê")


#: Characters other than letters that Vietnamese text in a legacy encoding may hold.
_PUNCTUATION = set("\xa0–—‘’“”…°•·×²³№€")


def _score(text: str) -> float:
    """How much of ``text``'s non-ASCII is Vietnamese: 1 for all of it, 0 for none.

    The share, among the words with non-ASCII letters and the stray
    non-ASCII symbols and marks (``¹``, ``§``, a combining mark left alone),
    of the words that are Vietnamese syllables. Text with neither scores 1.
    """
    stray = sum(1 for c in text if not c.isascii() and not c.isalpha() and c not in _PUNCTUATION)
    words = "".join(c if c.isalpha() else " " for c in text.lower()).split()
    marked = [w for w in words if not w.isascii()]
    if not marked and not stray:
        return 1.0
    return sum(_syllable_ok(w) for w in marked) / (len(marked) + stray)


def _ranked(raw: bytes, order: tuple[str, ...]) -> list[tuple[str, float]]:
    """Return the encodings of ``order`` with their scores, best first (ties: ``order``)."""
    scores = []
    for encoding in order:
        try:
            scores.append((encoding, _score(decode_text(raw, encoding))))
        except UnicodeDecodeError:
            scores.append((encoding, -1.0))
    return sorted(scores, key=lambda item: -item[1])


def detect_encoding(samples: list[bytes], *, prefer: str = "dbf", source: str | None = None) -> str:
    r"""Guess the encoding of some text values: UTF-8, TCVN3, VNI or Windows-1258.

    UTF-8 when every value decodes as UTF-8 (plain ASCII included);
    otherwise the legacy encoding whose decoded text is made of Vietnamese
    syllables most (see :func:`_score`: the wrong choice yields ``¹``,
    ``§``, ``Ñ``, letters no syllable has). A tie goes to the encoding most
    common in that kind of file (:data:`PREFERENCE`).

    Parameters
    ----------
    samples
        Text values (raw bytes).
    prefer
        ``"dbf"`` or ``"csv"``: the kind of file, for ties.
    source
        The file the samples come from. When given, text that is not UTF-8
        and reads as Vietnamese in none of the legacy encodings is an error
        naming it; when ``None``, the best guess is returned anyway.

    Raises
    ------
    LayerReadError
        If ``source`` is given and the text is not UTF-8 and reads as
        Vietnamese in none of the legacy encodings (under :data:`MIN_SCORE`).

    Examples
    --------
    >>> detect_encoding([b"Tr\xb9m Nam \xa7\xdenh"]), detect_encoding([b"Tra\xf2m"])
    ('tcvn3', 'cp1258')
    >>> detect_encoding([b"Tra\xefm Nam \xd1\xf2nh"])
    'vni'
    """
    try:
        for raw in samples:
            raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    ranked = _ranked(b"\n".join(samples), PREFERENCE[prefer])
    best, score = ranked[0]
    if source is not None and score < MIN_SCORE:
        tried = ", ".join(f"{ENCODING_NAMES[e]} {max(s, 0):.0%}" for e, s in ranked)
        raise LayerReadError(
            f"{source}: cannot decode the text: it is not UTF-8, and read as each legacy "
            f"Vietnamese encoding too few of its words are Vietnamese ({tried}). "
            f"Fix: save it in UTF-8, or name its encoding with --encoding "
            f"({', '.join(ENCODINGS)}, or a Python codec such as cp1252)."
        )
    return best


def decode_file(
    data: bytes, *, source: str, encoding: str | None = None, prefer: str = "csv"
) -> tuple[str, str]:
    """Decode a whole text file (a CSV) to Unicode NFC.

    Parameters
    ----------
    data
        The file's bytes.
    source
        The file's name, for messages.
    encoding
        An encoding to use (see :func:`canonical_encoding`) instead of
        detecting it.
    prefer
        The kind of file, for ties between legacy encodings (see
        :data:`PREFERENCE`).

    Returns
    -------
    tuple of (str, str)
        The text (a UTF-8 or UTF-16 byte order mark removed) and the
        encoding used (``utf-8``, ``utf-16``, ``tcvn3``, ``vni``, ``cp1258``
        or the codec named).

    Raises
    ------
    LayerReadError
        If the bytes are not text, or not valid in the encoding given, or
        detection finds none that fits (the message names those tried).
    """
    if encoding is not None:
        encoding = canonical_encoding(encoding)
        codec = "utf-8-sig" if encoding == "utf-8" else encoding
        try:
            return decode_text(data, codec), encoding
        except UnicodeDecodeError as exc:
            raise LayerReadError(
                f"{source}: the text cannot be decoded as {ENCODING_NAMES.get(encoding, encoding)} "
                f"({exc}). Fix: name the file's encoding with --encoding "
                f"({', '.join(ENCODINGS)}), or save it in UTF-8."
            ) from exc
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return unicodedata.normalize("NFC", data.decode("utf-16")), "utf-16"
        except UnicodeDecodeError as exc:
            raise LayerReadError(f"{source}: cannot decode the text as UTF-16 ({exc}).") from exc
    if b"\x00" in data:
        raise LayerReadError(
            f"{source}: cannot decode the text: it holds NUL bytes, so it is not a text "
            "file in UTF-8, TCVN3, VNI or Windows-1258 (a binary file?)."
        )
    try:
        return unicodedata.normalize("NFC", data.decode("utf-8-sig")), "utf-8"
    except UnicodeDecodeError:
        pass
    lines = [line for line in data.splitlines() if not line.isascii()][:_SAMPLE_LINES]
    encoding = detect_encoding(lines, prefer=prefer, source=source)
    return decode_text(data, encoding), encoding


#: Lines with non-ASCII bytes that detection looks at, at most.
_SAMPLE_LINES = 5000


def read_dbf_text(path: str | Path, data: bytes | None = None) -> dict[str, list[bytes]]:
    """Read the raw bytes of the text (``C``) fields of a dBASE file, record by record.

    Deleted records are skipped, as GDAL skips them. Trailing spaces (dBASE
    padding) are removed; nothing else is touched. ``data``: the file's
    bytes when they are already read (a ``.dbf`` inside a ZIP archive);
    ``path`` then only names it in messages.

    Raises
    ------
    LayerReadError
        If the file is not a dBASE table.
    """
    path = Path(path)
    if data is None:
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
