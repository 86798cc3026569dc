"""Statistics over the ticket database (SPEC §1.7, §8 `soporte report`): SQL aggregation
in `queries`, business-time arithmetic and percentiles as pure functions, and renderers
for text, JSON, CSV and an HTML page with charts. Reads only; never changes a ticket."""
