"""The uploaded CSV: read once to learn its shape (encoding, delimiter, header, a sample and
the row count), stored in the database in 1 MB chunks, and read back as a stream of rows.
Memory stays bounded by a chunk plus one row, whatever the file's size."""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from parley.imports.models import ImportChunk

CHUNK_BYTES = 1024 * 1024
SAMPLE_ROWS = 3
MAX_COLUMNS = 200
DELIMITERS = ",;\t|"
ENCODINGS = ("utf-8-sig", "cp1252")  # Excel on Windows still writes cp1252


@dataclass
class Shape:
    encoding: str
    delimiter: str
    headers: list[str]
    sample: list[list[str]] = field(default_factory=list)
    rows: int = 0


def _text(binary, encoding: str) -> io.TextIOWrapper:
    errors = "strict" if encoding.startswith("utf-8") else "replace"
    return io.TextIOWrapper(binary, encoding=encoding, errors=errors, newline="")


def _delimiter(head: str) -> str:
    try:
        return csv.Sniffer().sniff(head[:8192], delimiters=DELIMITERS).delimiter
    except csv.Error:
        return ","


def inspect(binary) -> Shape:
    """Read the whole upload once (a seekable binary file); ValidationError when it is not
    a CSV file with a header row."""
    for encoding in ENCODINGS:
        binary.seek(0)
        text = _text(binary, encoding)
        try:
            shape = _read_shape(text, encoding)
        except UnicodeDecodeError:
            continue
        except csv.Error as exc:
            raise ValidationError({"file": f"This is not a readable CSV file ({exc})."}) from None
        finally:
            text.detach()
        return shape
    raise ValidationError({"file": "The file's text encoding is not UTF-8."})  # unreachable


def _read_shape(text, encoding) -> Shape:
    head = text.read(64 * 1024)
    if not head.strip():
        raise ValidationError({"file": "The file is empty."})
    if "\x00" in head:
        raise ValidationError({"file": "This is not a CSV file (it holds binary data)."})
    text.seek(0)
    reader = csv.reader(text, delimiter=_delimiter(head))
    headers = next(reader, None) or []
    if len(headers) > MAX_COLUMNS:
        raise ValidationError({"file": f"At most {MAX_COLUMNS} columns."})
    shape = Shape(
        encoding,
        reader.dialect.delimiter,
        [h.strip() or f"Column {i + 1}" for i, h in enumerate(headers)],
    )
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        if len(shape.sample) < SAMPLE_ROWS:
            shape.sample.append(row[:MAX_COLUMNS])
        shape.rows += 1
    if not any(h.strip() for h in headers):
        raise ValidationError({"file": "The first row should name the columns."})
    return shape


def store(job, binary) -> None:
    binary.seek(0)
    seq = 0
    while piece := binary.read(CHUNK_BYTES):
        ImportChunk.objects.create(account_id=job.account_id, job=job, seq=seq, data=piece)
        seq += 1


class ChunkStream(io.RawIOBase):
    """The stored chunks as one binary stream, fetched one chunk at a time."""

    def __init__(self, job_id):
        self.job_id = job_id
        self.seq = 0
        self.pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self.pending:
            data = (
                ImportChunk.objects.filter(job_id=self.job_id, seq=self.seq)
                .values_list("data", flat=True)
                .first()
            )
            if data is None:
                return 0
            self.pending = bytes(data)
            self.seq += 1
        n = min(len(buffer), len(self.pending))
        buffer[:n] = self.pending[:n]
        self.pending = self.pending[n:]
        return n


def rows(job) -> Iterator[tuple[int, list[str]]]:
    """(record number, cells) for each non-blank data row; the header is record 1."""
    text = _text(io.BufferedReader(ChunkStream(job.id), CHUNK_BYTES), job.encoding)
    reader = csv.reader(text, delimiter=job.delimiter)
    next(reader, None)
    for number, row in enumerate(reader, start=2):
        if any(cell.strip() for cell in row):
            yield number, row


def discard(job) -> None:
    ImportChunk.objects.filter(job=job).delete()
