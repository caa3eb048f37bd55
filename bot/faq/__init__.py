"""Residents' questions answered from a region's FAQ file (docs/faq.md).

Pure: the entries and their loading (``entries``, ``loading``), the words of a question
(``words``), the BM25 index (``bm25``) and the matcher that says which entry answers a text and
how sure it is (``matcher``). Reading the file from disk is ``bot.faq.files``'s job.
"""
