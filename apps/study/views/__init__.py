"""Study pages, one module per part: the review session and the rating endpoint (`review`), the
plan page and the quick plan settings (`plan`), the dashboard (`dashboard`) and mock interviews
(`mocks`). Every page shows the signed-in learner's rows only; anything addressed by id is
looked up through the learner, so someone else's id is a 404. Downloading one's data and
deleting the account are apps/accounts/privacy/."""
