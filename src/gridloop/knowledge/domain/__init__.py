"""Pure rules of the knowledge base: articles, versions, the review workflow, answerability, highlights."""
