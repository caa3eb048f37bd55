"""申诉: residents file appeals, officials read and answer them, residents read their answers."""
