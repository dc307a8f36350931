"""Send a receipt PDF to a printer on its own paper, as vectors, without rescaling.

Where the print service is CUPS (Linux, macOS) the PDF itself is the print job: CUPS takes
PDF, and its filters rasterise it once, at the printer's own resolution, in the driver. A
job is then the size of the receipt PDF (tens of kilobytes) and spools in milliseconds,
where painting page images through QPrinter sent megabytes of JPEG-smeared raster.

The job asks for the receipt's own paper (``media=A5``, ``A4`` or a custom 80 mm x length
size) and for no scaling. Before sending, the printer's PPD (served by CUPS) is read for
the paper sizes it takes; a printer that cannot take the receipt's paper gets a clear
bilingual refusal instead of a job CUPS would shrink or enlarge to another sheet.

Qt-free: the GUI and the CLI call this; on Windows (no ``lp``) the GUI prints through
QPrinter instead (gui/receipt_dialog.py).
"""

from __future__ import annotations

import http.client
import logging
import math
import os
import re
import shutil
import socket
import subprocess
import urllib.parse
from dataclasses import dataclass, field

from tawasul_desktop.domain.bidi import isolate, ltr
from tawasul_desktop.domain.messages import message

log = logging.getLogger(__name__)

MM = 72 / 25.4
# Sheet sizes by their PPD/PWG names, in points; a receipt page within TOLERANCE of one of
# them is sent as that named size, anything else as a custom size.
SHEETS: dict[str, tuple[float, float]] = {"A4": (595.28, 841.89), "A5": (419.53, 595.28)}
TOLERANCE = 1.5  # points: PPDs round sizes to whole points (A5 is "420 595")
_MEDIABOX = re.compile(rb"/MediaBox\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\]")
_LP_TIMEOUT = 30.0
_ASK_TIMEOUT = 10.0  # seconds for the scheduler to answer the paper question


def _c_locale() -> dict[str, str]:
    """lp and lpstat speak English whatever the desk's locale, so their answers can be read."""
    return {**os.environ, "LC_ALL": "C", "LANG": "C"}


class PrintError(Exception):
    """Printing failed; ``ar`` and ``en`` say why, for the person at the counter."""

    def __init__(self, ar: str, en: str) -> None:
        super().__init__(en)
        self.ar, self.en = ar, en

    def text(self, language: str) -> str:
        return self.en if language == "en" else self.ar


class PaperNotSupported(PrintError):
    """The printer cannot take the receipt's paper (nothing was sent)."""


@dataclass(frozen=True)
class Paper:
    """A receipt page size in points, and the PPD name of the sheet it is, if any."""

    width: float
    height: float
    sheet: str | None = None

    @property
    def label(self) -> str:
        """For messages: "A5 (148 x 210 mm)" or "80 x 226 mm"."""
        size = f"{self.width / MM:.0f} x {self.height / MM:.0f} mm"
        return f"{self.sheet} ({size})" if self.sheet else size

    @property
    def custom_media(self) -> str:
        # Millimetres, rounded up to a hundredth: CUPS keeps custom sizes in hundredths of
        # a millimetre and whole points, and a size a hair short of the page may be scaled.
        width, height = (math.ceil(v / MM * 100) / 100 for v in (self.width, self.height))
        return f"Custom.{width:.2f}x{height:.2f}mm"


def paper_of(pdf: bytes) -> Paper:
    """The paper of a receipt PDF, from its first page's MediaBox (ReportLab writes page
    objects uncompressed; every page of a receipt has the same size)."""
    match = _MEDIABOX.search(pdf)
    if match is None:
        raise ValueError("not a PDF with a page size")
    x0, y0, x1, y1 = (float(v) for v in match.groups())
    width, height = x1 - x0, y1 - y0
    for name, (w, h) in SHEETS.items():
        if abs(width - w) <= TOLERANCE and abs(height - h) <= TOLERANCE:
            return Paper(width, height, name)
    return Paper(width, height)


@dataclass
class PrinterMedia:
    """The paper a printer takes, from its PPD: named sizes and the custom-size range."""

    sizes: dict[str, tuple[float, float]] = field(default_factory=dict)
    # (min width, max width, min height, max height) in points, when custom sizes are taken.
    custom: tuple[float, float, float, float] | None = None

    def media_for(self, paper: Paper) -> str | None:
        """The ``media`` option that prints ``paper`` unscaled, or None if none does."""
        for name, (w, h) in self.sizes.items():
            if abs(paper.width - w) <= TOLERANCE and abs(paper.height - h) <= TOLERANCE:
                return name
        if self.custom is not None:
            min_w, max_w, min_h, max_h = self.custom
            if (min_w - TOLERANCE <= paper.width <= max_w + TOLERANCE
                    and min_h - TOLERANCE <= paper.height <= max_h + TOLERANCE):
                return paper.custom_media
        return None


_PAPER_DIMENSION = re.compile(r'^\*PaperDimension\s+([^/:\s]+)[^:]*:\s*"([\d.]+)\s+([\d.]+)"', re.M)
_CUSTOM = re.compile(r"^\*CustomPageSize\s+True\s*:", re.M)
_CUSTOM_PARAM = re.compile(
    r"^\*ParamCustomPageSize\s+(Width|Height)\s*:\s*\d+\s+points\s+([\d.]+)\s+([\d.]+)", re.M
)


def parse_ppd(text: str) -> PrinterMedia:
    """The paper sizes a PPD declares (PaperDimension) and its custom-size range."""
    sizes = {m.group(1): (float(m.group(2)), float(m.group(3)))
             for m in _PAPER_DIMENSION.finditer(text)}
    custom = None
    if _CUSTOM.search(text):
        ranges = {m.group(1): (float(m.group(2)), float(m.group(3)))
                  for m in _CUSTOM_PARAM.finditer(text)}
        if "Width" in ranges and "Height" in ranges:
            custom = (*ranges["Width"], *ranges["Height"])
    return PrinterMedia(sizes, custom)


def cups_available() -> bool:
    """Whether this machine prints through CUPS (its ``lp`` command is installed)."""
    return shutil.which("lp") is not None


def _server() -> str:
    """The CUPS server ``lp`` uses: "host:port" or a local socket's path. ``lpstat -H``
    answers as libcups decides it (CUPS_SERVER, client.conf, the local socket)."""
    try:
        done = subprocess.run(["lpstat", "-H"], capture_output=True, text=True,
                              timeout=_LP_TIMEOUT, check=False, env=_c_locale())
        server = done.stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        server = ""
    server = server or os.environ.get("CUPS_SERVER", "") or "localhost:631"
    if server.startswith("/"):
        return server
    return server if ":" in server.rsplit("]", 1)[-1] else f"{server}:631"


class _SocketHTTPConnection(http.client.HTTPConnection):
    """HTTP to the scheduler over its local socket (/run/cups/cups.sock)."""

    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self.socket_path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.socket_path)


def queue_of(printer: str) -> str:
    """The CUPS queue of a destination: "roll/counter3" is an instance of queue "roll"
    (lpoptions), printing on that queue's paper."""
    return printer.split("/", 1)[0]


def printer_media(printer: str) -> PrinterMedia | None:
    """What paper ``printer`` takes, from the PPD CUPS serves; None if it has none (a raw
    or driverless queue without a PPD, or no such queue: then ``lp`` says so).

    Asked of the scheduler directly, never through a web proxy from the environment
    (http_proxy): the PPD is on this computer's print service, not on the web."""
    server = _server()
    path = f"/printers/{urllib.parse.quote(queue_of(printer), safe='')}.ppd"
    connection: http.client.HTTPConnection
    if server.startswith("/"):
        connection = _SocketHTTPConnection(server, timeout=_ASK_TIMEOUT)
    else:
        host, port = server.rsplit(":", 1)
        connection = http.client.HTTPConnection(host.strip("[]"), int(port), timeout=_ASK_TIMEOUT)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
    except OSError as exc:
        log.warning("print service at %s did not answer: %s", server, exc)
        ar, en = message("print.service_down", server=ltr(server))
        raise PrintError(ar, en) from None
    except (http.client.HTTPException, ValueError) as exc:
        raise _failed(printer, str(exc)) from None
    finally:
        connection.close()
    if response.status == 404:
        return None
    if response.status != 200:
        raise _failed(printer, f"HTTP {response.status} {response.reason}")
    return parse_ppd(body.decode("latin-1"))


def _failed(printer: str, detail: str) -> PrintError:
    ar, en = message("print.failed", printer=isolate(printer), detail=isolate(detail))
    return PrintError(ar, en)


def check_paper(printer: str, paper: Paper) -> str | None:
    """The ``media`` option for ``paper`` on ``printer``; PaperNotSupported if it has none."""
    media = printer_media(printer)
    if media is None:
        return paper.sheet or paper.custom_media
    chosen = media.media_for(paper)
    if chosen is None:
        ar, en = message("print.paper_not_supported", printer=isolate(printer),
                         paper=ltr(paper.label))
        raise PaperNotSupported(ar, en)
    return chosen


def print_pdf(pdf: bytes, printer: str, *, title: str = "receipt", copies: int = 1) -> str:
    """Send ``pdf`` to the CUPS queue ``printer`` on its own paper, unscaled; return the job
    id. Raises PaperNotSupported (nothing sent) or PrintError."""
    if not cups_available():
        ar, en = message("print.no_cups")
        raise PrintError(ar, en)
    media = check_paper(printer, paper_of(pdf))
    command = ["lp", "-d", printer, "-t", title, "-n", str(max(1, copies)),
               "-o", f"media={media}", "-o", "print-scaling=none", "-o", "fit-to-page=false",
               "-o", "page-top=0", "-o", "page-bottom=0", "-o", "page-left=0",
               "-o", "page-right=0", "--", "-"]
    try:
        done = subprocess.run(command, input=pdf, capture_output=True, timeout=_LP_TIMEOUT,
                              check=False, env=_c_locale())
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise _failed(printer, str(exc)) from None
    out = done.stdout.decode(errors="replace").strip()
    if done.returncode != 0:
        error = done.stderr.decode(errors="replace").strip() or out
        if "does not exist" in error:  # lp: "The printer or class does not exist."
            ar, en = message("print.no_printer", printer=isolate(printer))
            raise PrintError(ar, en)
        raise _failed(printer, error)
    job = re.search(r"request id is (\S+)", out)
    log.info("receipt sent to printer %s as job %s", printer, job.group(1) if job else "?")
    return job.group(1) if job else ""
