"""The audit report (R-60, R-61): outcome rows written as audits and alerts end, the SQL over them,
figures, periods, labels, CSV and the report pack."""
