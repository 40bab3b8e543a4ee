"""Government data sharing (政务数据共享, section 6 and S.6.x, S.9.7): queries of other agencies' data — identity,
marriage, titles, contracts, permits, business registration, social insurance, deaths, banks' loan repayments —
each under a recorded authorization, throttled, cached by the source's freshness, and left on a trail the person
can read and the archive's log makes tamper-evident."""
