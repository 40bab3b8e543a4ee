"""The MOHURD bank settlement interface (结算应用系统, BDC): messages, framing, the session cipher, a client."""
