"""The submission lifecycle: SubmissionWorkflow, its activities and the types that cross it."""
