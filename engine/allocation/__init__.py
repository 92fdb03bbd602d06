"""The audit year and its allocation: the months, the allocation sheet, its preview and its template."""
