"""poppler and NSS, as a reader's software would check a sealed PDF: an NSS database trusting the seal system's
root (certutil), ``pdfsig`` for the signatures, ``pdftotext`` for the text."""

from __future__ import annotations

import subprocess
from pathlib import Path


def trusting_nss(directory: Path, root_pem: bytes) -> Path:
    (directory / "root.pem").write_bytes(root_pem)
    subprocess.run(["certutil", "-N", "-d", f"sql:{directory}", "--empty-password"], check=True)
    subprocess.run(["certutil", "-A", "-d", f"sql:{directory}", "-n", "seal-root", "-t", "CT,CT,CT",
                    "-i", str(directory / "root.pem")], check=True)
    return directory


def pdfsig(nss: Path, pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "signed.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdfsig", "-nssdir", f"sql:{nss}", str(path)], capture_output=True, text=True).stdout


def pdftext(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "text.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
