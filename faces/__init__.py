"""What the two faces (web/: the pages, api/: the JSON API) share below them: errors answered as
problems (RFC 9457) or error pages, and the checks every request body passes first."""
