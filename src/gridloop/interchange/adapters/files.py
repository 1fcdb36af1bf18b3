"""Reading tables from CSV and Excel files, and writing them, for imports and exports.

CSV goes through the standard library; .xlsx through openpyxl in its streaming modes (read-only and write-only),
so a million rows never sit in memory as a workbook.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from gridloop.kernel.errors import InvalidInput

#: Cells a spreadsheet program would read as a formula (or a control sequence) start with these.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def file_format(path: Path, given: str | None) -> str:
    """csv or xlsx: the spec's choice, or the file's extension."""
    if given:
        return given
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    if suffix in (".csv", ".txt", ".tsv"):
        return "csv"
    raise InvalidInput(f"{path.name}: cannot tell the format from the extension; give format: csv or xlsx")


def read_rows(
    path: Path, *, fmt: str, encoding: str = "utf-8-sig", sheet: str | None = None, header_row: int = 1
) -> tuple[list[str], Iterator[tuple[int, dict[str, Any]]]]:
    """The header and an iterator of (row number, header → cell) for every data row after it; rows are numbered
    as a spreadsheet shows them (the header is row `header_row`; a CSV record with line breaks is one row)."""
    if not path.is_file():
        raise InvalidInput(f"{path}: no such file")
    if fmt == "xlsx":
        return _read_xlsx(path, sheet=sheet, header_row=header_row)
    return _read_csv(path, encoding=encoding, header_row=header_row)


def _read_csv(path: Path, *, encoding: str, header_row: int) -> tuple[list[str], Iterator[tuple[int, dict[str, Any]]]]:
    handle = path.open(encoding=encoding, newline="")
    try:
        head = handle.read(65536)
        handle.seek(0)
        dialect: type[csv.Dialect] | csv.Dialect = csv.excel
        if "\t" in head.split("\n", 1)[0] and "," not in head.split("\n", 1)[0]:
            dialect = csv.excel_tab
        reader = csv.reader(handle, dialect)
        header: list[str] = []
        for _ in range(header_row):
            header = next(reader, [])
    except UnicodeDecodeError:
        handle.close()
        raise InvalidInput(f"{path.name}: not {encoding} text; set encoding: (e.g. gb18030) in the mapping") from None
    except csv.Error as exc:
        handle.close()
        raise InvalidInput(f"{path.name}: not a readable CSV file ({exc})") from None
    header = [h.strip() for h in header]

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        line = header_row  # records, not physical lines: a cell may hold line breaks
        try:
            for values in reader:
                line += 1
                if not any(values):
                    continue
                yield line, dict(zip(header, values, strict=False))
        except UnicodeDecodeError:
            raise InvalidInput(
                f"{path.name}: line {reader.line_num + 1} is not {encoding} text; set encoding: in the mapping"
            ) from None
        except csv.Error as exc:
            raise InvalidInput(f"{path.name}: line {reader.line_num}: {exc}") from None
        finally:
            handle.close()

    return header, rows()


def _read_xlsx(
    path: Path, *, sheet: str | None, header_row: int
) -> tuple[list[str], Iterator[tuple[int, dict[str, Any]]]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise InvalidInput(f"{path.name}: not a readable .xlsx workbook ({exc.__class__.__name__})") from None
    if sheet is not None and sheet not in book.sheetnames:
        book.close()
        raise InvalidInput(f"{path.name}: no sheet {sheet!r}; sheets: {', '.join(book.sheetnames)}")
    ws = book[sheet] if sheet is not None else book.worksheets[0]
    it = ws.iter_rows(values_only=True)
    header: list[str] = []
    for _ in range(header_row):
        header = ["" if v is None else str(v).strip() for v in next(it, ())]

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        try:
            for line, values in enumerate(it, start=header_row + 1):
                if not any(v is not None and v != "" for v in values):
                    continue
                yield line, dict(zip(header, values, strict=False))
        finally:
            book.close()

    return header, rows()


def safe_cell(value: Any) -> Any:
    """A value as a spreadsheet should receive it: text that would run as a formula gets a leading apostrophe;
    empty text stays empty."""
    if isinstance(value, str) and value and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_csv(out: IO[str], header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write a CSV with a header (UTF-8 BOM is the caller's choice); returns the number of data rows."""
    writer = csv.writer(out)
    writer.writerow(header)
    n = 0
    for row in rows:
        writer.writerow([_plain(safe_cell(v)) for v in row])
        n += 1
    return n


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return "" if value is None else value


def write_xlsx(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]) -> bytes:
    """An .xlsx workbook (one sheet per (title, header, rows)); times are written as local, naive cells."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    for title, header, rows in sheets:
        ws = book.create_sheet(title=title[:31])
        bold = []
        for name in header:
            cell = WriteOnlyCell(ws, value=name)
            cell.font = Font(bold=True)
            bold.append(cell)
        ws.append(bold)
        for row in rows:
            ws.append([_xlsx_value(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    return safe_cell(value)
