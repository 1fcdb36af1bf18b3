"""Text clustering of suggestions (scikit-learn + jieba)."""
