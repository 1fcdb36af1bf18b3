"""Policy knowledge base (政策知识库): versioned articles, lexical search and reply-quality scoring."""
