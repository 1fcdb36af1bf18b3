"""Public participation: suggestion campaigns (人民建议征集), citizens' roundtables, consultations."""
