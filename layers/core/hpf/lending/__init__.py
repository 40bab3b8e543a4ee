"""Lending (个人住房贷款): the loan account after signing — disbursement, repayment plan, deductions, early repayment."""
