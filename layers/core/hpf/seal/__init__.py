"""Vouchers sealed with the center's e-seal (公积金业务专用电子签章, seed 8.x, S.8.1–S.8.3)."""
