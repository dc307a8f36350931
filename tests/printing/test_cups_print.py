"""Receipts printed through the application's print path into a real CUPS scheduler.

What arrives at the queue's file is checked like a person at the counter would: the paper
it is on, that nothing was rescaled (the barcode's bars sit where the receipt put them),
the barcode decoded by zbarimg from the job rendered at 203 dpi black-and-white (what an
80 mm thermal head prints), and the job's size.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from cups_server import OFFICE, ROLL, Cups, skip_or_fail

from tawasul_desktop.receipts import printing
from tawasul_desktop.receipts.for_request import receipt_pdf_bytes
from tawasul_desktop.receipts.printing import (
    PaperNotSupported,
    PrintError,
    paper_of,
    print_pdf,
)
from tawasul_desktop.storage.requests import submit_request

MM = 72 / 25.4
TOOLS = ("pdfinfo", "pdftoppm", "zbarimg", "pdftotext")


@pytest.fixture(scope="module", autouse=True)
def _tools() -> None:
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        skip_or_fail(f"needs poppler-utils and zbar-tools; missing {missing}")


def _page_sizes(pdf: Path) -> list[tuple[float, float]]:
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "99", str(pdf)], capture_output=True,
                          text=True, check=True).stdout
    return [(float(w), float(h)) for w, h in
            re.findall(r"^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info, re.M)]


def _decode_at_203_dpi(pdf: Path, tmp_path: Path) -> set[str]:
    prefix = tmp_path / "page203"
    subprocess.run(["pdftoppm", "-r", "203", "-mono", "-f", "1", "-l", "1", str(pdf),
                    str(prefix)], check=True)
    image = next(tmp_path.glob("page203*.pbm"))
    out = subprocess.run(["zbarimg", "--quiet", "--raw", str(image)], capture_output=True,
                         text=True, check=False).stdout
    return set(out.split())


def _word_boxes(pdf: Path) -> list[tuple[float, float, float, float]]:
    """Positions of the words on page 1 (pdftotext -bbox), to compare sent and arrived."""
    html = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout
    return [tuple(float(v) for v in m) for m in re.findall(  # type: ignore[misc]
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)"', html)]


@pytest.fixture
def receipt(store, clerk, valid_request):
    number = submit_request(store, clerk, valid_request()).number

    def make(fmt: str) -> tuple[str, bytes]:
        return number, receipt_pdf_bytes(store, number, fmt)

    return make


@pytest.mark.parametrize(
    ("fmt", "queue", "limit"),
    [("a5", OFFICE, 300_000), ("a4", OFFICE, 300_000), ("roll80", ROLL, 150_000)],
)
def test_receipt_arrives_on_its_own_paper_unscaled_and_decodable(
    cups: Cups, receipt, tmp_path: Path, fmt: str, queue: str, limit: int
) -> None:
    number, pdf = receipt(fmt)
    sent = tmp_path / "sent.pdf"
    sent.write_bytes(pdf)
    paper = paper_of(pdf)

    arrived = tmp_path / "arrived.pdf"
    arrived.write_bytes(cups.job(queue, lambda: print_pdf(pdf, queue, title=number)))

    sizes = _page_sizes(arrived)
    assert sizes, "the job has no pages"
    for width, height in sizes:  # the receipt's own paper (PPDs round sheets to whole points)
        assert abs(width - paper.width) < 1.0 and abs(height - paper.height) < 1.0, sizes
    if fmt == "roll80":
        assert abs(sizes[0][0] - 80 * MM) < 1.0  # 80 mm to a third of a millimetre
    # Nothing rescaled: every word keeps its size and all move together by at most the
    # rounding of the paper size (CUPS keeps custom sizes in whole points, and centres).
    before, after = _word_boxes(sent), _word_boxes(arrived)
    assert len(before) == len(after) > 20
    dx, dy = after[0][0] - before[0][0], after[0][1] - before[0][1]
    assert abs(dx) < 1.0 and abs(dy) < 1.0
    for a, b in zip(before, after, strict=True):
        moved = (b[0] - a[0], b[1] - a[1], b[2] - a[2], b[3] - a[3])
        assert max(abs(moved[0] - dx), abs(moved[2] - dx), abs(moved[1] - dy),
                   abs(moved[3] - dy)) < 0.05, (a, b)
    # The Code 128 and QR barcodes read from the job as a 203 dpi thermal head prints it.
    assert number.replace("-", "") in _decode_at_203_dpi(arrived, tmp_path)
    assert len(arrived.read_bytes()) < limit


def test_roll_printer_refuses_sheet_paper_with_a_bilingual_message(cups: Cups, receipt) -> None:
    _, pdf = receipt("a5")
    cups.reset(ROLL)
    with pytest.raises(PaperNotSupported) as refused:
        print_pdf(pdf, ROLL)
    assert ROLL in refused.value.en and "A5" in refused.value.en
    assert ROLL in refused.value.ar and "الطابعة" in refused.value.ar and "A5" in refused.value.ar
    cups.wait_done()
    assert cups.output(ROLL).read_bytes() == b"", "a job was sent anyway"


def test_office_printer_refuses_the_roll(cups: Cups, receipt) -> None:
    _, pdf = receipt("roll80")
    with pytest.raises(PaperNotSupported) as refused:
        print_pdf(pdf, OFFICE)
    assert "80 x" in refused.value.en


def test_a_printer_instance_is_held_to_its_queues_paper(cups: Cups, receipt) -> None:
    # "queue/instance" (lpoptions) is a name lp takes; its paper is its queue's. Asked
    # for the instance's PPD, CUPS answered 404 and an A5 receipt went out shrunk onto
    # the roll.
    _, pdf = receipt("a5")
    cups.reset(ROLL)
    with pytest.raises(PaperNotSupported):
        print_pdf(pdf, f"{ROLL}/counter3")
    cups.wait_done()
    assert cups.output(ROLL).read_bytes() == b"", "a job was sent anyway"


def test_a_name_with_url_characters_is_not_a_path_on_the_server(cups: Cups, receipt) -> None:
    _, pdf = receipt("a5")
    for name in ("../admin", "tw-office?x", "tw-office#a", "%2e%2e"):
        with pytest.raises(PrintError) as failed:
            print_pdf(pdf, name)
        assert "403" not in failed.value.en and "Forbidden" not in failed.value.en
        assert "does not exist" not in failed.value.ar  # said in Arabic, not lp's English
        assert name in failed.value.en and name in failed.value.ar


@pytest.mark.parametrize("name", ["my printer", "x; touch /tmp/tw-pwned", "-x", "طابعة", ""])
def test_a_printer_that_is_not_there_is_named_in_both_languages(
    cups: Cups, receipt, name: str
) -> None:
    _, pdf = receipt("a5")
    with pytest.raises(PrintError) as failed:
        print_pdf(pdf, name)
    ar, en = failed.value.ar, failed.value.en
    assert "is not set up on this computer" in en and name in en
    assert "غير معرّفة على هذا الجهاز" in ar and name in ar
    assert not Path("/tmp/tw-pwned").exists()


def test_a_printer_removed_after_it_was_chosen_gets_a_clear_message(cups: Cups, receipt) -> None:
    _, pdf = receipt("a5")
    cups.run("lpadmin", "-p", "tw-gone", "-E", "-v", "file:/dev/null",
             "-P", str(Path(__file__).parent / "office-a4-a5.ppd"))
    cups.run("lpadmin", "-x", "tw-gone")
    with pytest.raises(PrintError) as failed:
        print_pdf(pdf, "tw-gone")
    assert "is not set up on this computer" in failed.value.en


def test_print_service_down_is_said_plainly(receipt, monkeypatch) -> None:
    # No cups fixture: nothing listens at this address.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("CUPS_SERVER", f"127.0.0.1:{port}")
    _, pdf = receipt("a5")
    with pytest.raises(PrintError) as failed:
        print_pdf(pdf, OFFICE)
    assert "is not running or does not answer" in failed.value.en, failed.value.en
    assert "لا تعمل أو لا تجيب" in failed.value.ar
    assert "urlopen" not in failed.value.en and "Errno" not in failed.value.en


def test_a_web_proxy_in_the_environment_is_not_asked_for_the_printer(cups: Cups, receipt) -> None:
    # Offices often set http_proxy; the printer's PPD is on this computer's CUPS and must
    # not be fetched through the proxy (nothing listens at port 9: a proxied fetch fails).
    # A fresh interpreter: urllib builds its proxy settings once per process.
    _, pdf = receipt("a5")
    script = ("import sys; from tawasul_desktop.receipts.printing import print_pdf; "
              "print(print_pdf(sys.stdin.buffer.read(), sys.argv[1]))")
    env = {k: v for k, v in os.environ.items() if k.lower() != "no_proxy"}
    env.update(http_proxy="http://127.0.0.1:9", HTTP_PROXY="http://127.0.0.1:9",
               PYTHONPATH=str(Path(__file__).parents[2]))

    def send() -> None:
        done = subprocess.run([sys.executable, "-c", script, OFFICE], input=pdf, env=env,
                              capture_output=True, timeout=60, check=False)
        assert done.returncode == 0, done.stderr.decode()

    assert cups.job(OFFICE, send)


def test_a_scheduler_on_its_local_socket_is_asked_for_the_paper(
    cups: Cups, receipt, monkeypatch
) -> None:
    # CUPS_SERVER (or client.conf) may name the local socket, as on a desk whose scheduler
    # listens only there; the paper is then checked over that socket too.
    monkeypatch.setenv("CUPS_SERVER", str(cups.socket))
    number, a5 = receipt("a5")
    cups.reset(ROLL)
    with pytest.raises(PaperNotSupported):
        print_pdf(a5, ROLL)
    _, roll = receipt("roll80")
    assert cups.job(ROLL, lambda: print_pdf(roll, ROLL, title=number))


def test_a_print_service_that_never_answers_is_given_up_on(receipt, monkeypatch) -> None:
    # It takes the connection and says nothing (a hung scheduler): the question times out
    # and the counter is told, instead of the print button waiting for ever.
    monkeypatch.setattr(printing, "_ASK_TIMEOUT", 0.5)
    _, pdf = receipt("a5")
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        monkeypatch.setenv("CUPS_SERVER", f"127.0.0.1:{silent.getsockname()[1]}")
        with pytest.raises(PrintError) as failed:
            print_pdf(pdf, OFFICE)
    assert "does not answer" in failed.value.en


def test_a_class_of_printers_is_held_to_its_members_paper(cups: Cups, receipt) -> None:
    # A class (lpadmin -c) has no PPD of its own; CUPS serves its first member's, so the
    # paper check holds for a class of like printers (what a counter would group).
    cups.run("lpadmin", "-p", ROLL, "-c", "tw-rolls")
    cups.run("cupsenable", "tw-rolls")
    cups.run("cupsaccept", "tw-rolls")
    try:
        number, a5 = receipt("a5")
        cups.reset(ROLL)
        with pytest.raises(PaperNotSupported) as refused:
            print_pdf(a5, "tw-rolls")
        assert "tw-rolls" in refused.value.en and "A5" in refused.value.en
        cups.wait_done()
        assert cups.output(ROLL).read_bytes() == b"", "a job was sent anyway"
        _, roll = receipt("roll80")
        arrived = cups.job(ROLL, lambda: print_pdf(roll, "tw-rolls", title=number))
        assert b"/MediaBox" in arrived or arrived.startswith(b"%PDF")
    finally:
        cups.run("lpadmin", "-x", "tw-rolls")
