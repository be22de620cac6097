"""ReconciliationWorkflow: a council's daily comparison of its payments with the providers' lists,
scheduled and by hand."""
