"""RetentionWorkflow: a council's daily anonymisation of submissions past their retention,
scheduled and by hand."""
