"""People: accounts and passwords, who may see and do what, the organisation, the directory, time away,
each person's messages."""
