"""Fund settlement (资金结算): the BDC interface to the banks, the settlement workflow, reconciliation."""
