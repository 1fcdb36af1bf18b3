"""The grassroots emergency loop: monitoring rules, warnings (CAP 1.2), hazards."""
