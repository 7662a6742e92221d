"""The sources of the two small, stable test exercises (one per language) that
`tests.factories.ExerciseFactory` builds: they do not depend on the catalogue in content/, which
other people edit. Their tests follow docs/exercise-format.md, so the real jail can grade them."""

JS = {
    "starter": "function add(a, b) {\n  // Return the sum.\n}\n\nmodule.exports = { add };\n",
    "example": (
        "module.exports = ({ test, assert, load }) => {\n"
        "  test('adds two small numbers', () => {\n"
        "    assert.equal(load().add(1, 2), 3, 'add(1, 2) should be 3');\n"
        "  });\n"
        "};\n"
    ),
    "hidden": (
        "module.exports = ({ test, assert, load }) => {\n"
        "  test('adds negative numbers', () => {\n"
        "    assert.equal(load().add(-2, -3), -5, 'add(-2, -3) should be -5');\n"
        "  });\n"
        "  test('adding zero changes nothing', () => {\n"
        "    assert.equal(load().add(7, 0), 7, 'add(7, 0) should be 7');\n"
        "  });\n"
        "};\n"
    ),
    "solution": "function add(a, b) {\n  return a + b;\n}\n\nmodule.exports = { add };\n",
    "wrong": {
        "subtracts.js": "// Mistake: subtracts.\nmodule.exports = { add: (a, b) => a - b };\n",
        "prints-pass.js": (
            "// Mistake: fakes the results on stdout and exits.\n"
            "console.log('ok 1 - all tests passed');\nprocess.exit(0);\n"
        ),
    },
}

PY = {
    "starter": 'def add(a, b):\n    """Return the sum of a and b."""\n',
    "example": (
        "from harness import load, test\n\n\n"
        '@test("adds two small numbers")\n'
        "def _():\n"
        '    assert load().add(1, 2) == 3, "add(1, 2) should be 3"\n'
    ),
    "hidden": (
        "from harness import load, test\n\n\n"
        '@test("adds negative numbers")\n'
        "def _():\n"
        '    assert load().add(-2, -3) == -5, "add(-2, -3) should be -5"\n\n\n'
        '@test("adding zero changes nothing")\n'
        "def _():\n"
        '    print("checking zero")\n'
        '    assert load().add(7, 0) == 7, "add(7, 0) should be 7"\n'
    ),
    "solution": "def add(a, b):\n    return a + b\n",
    "wrong": {
        "subtracts.py": "# Mistake: subtracts.\ndef add(a, b):\n    return a - b\n",
        "exits-early.py": "# Mistake: exits before the tests run.\nimport sys\nsys.exit(0)\n",
    },
}

SOURCES = {"javascript": JS, "python": PY}

HINTS = [
    "Which arithmetic operation combines two numbers into their total?",
    "Check the sign: adding a negative number makes the total smaller.",
]
MISTAKES = {
    "subtracts": {
        "title": "Subtracts instead of adding",
        "explanation": "Taking one number away from the other is not their total.",
    },
    "prints-pass": {
        "title": "Fakes the results",
        "explanation": "Printing that the tests passed proves nothing: each test needs a result.",
    },
    "exits-early": {
        "title": "Exits before the tests run",
        "explanation": "A program that stops before the tests run passes none of them.",
    },
}
