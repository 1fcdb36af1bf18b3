"""Knowledge-base console pages: the intake form's answer path, the editors' pages, the gaps report."""
