"""DistributionWorkflow: a council's daily ledger batch, scheduled and by hand."""
