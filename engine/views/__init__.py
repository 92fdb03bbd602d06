"""What the faces show: the system's reads, the case list, the case page, where a diagram stands,
whom a task waits for, the cycle overview."""
