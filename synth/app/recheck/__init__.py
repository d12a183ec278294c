"""Re-verification of existing claims tables (`synth verify`), as one unit: the table reader
(`tables`), the batch (`batch`), the audits of a report itself (`audit`) and the renderer of
re-verified reports (`render`)."""
