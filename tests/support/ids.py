"""Valid document numbers (居民身份证, GB 11643 check digits) of the residents tests declare."""

VALID_ID = "11010519491231002X"  # 张三, the resident of most tests

# one per family member
CHILD = "110105201001010010"
MOTHER = "110105195001010012"
FATHER = "110105194801010016"
AUNT = "110105196001010017"
