-- Staff work lists by assignee ("Assigned to me"), one index per sort as
-- for organizations and teams; unassigned cases are left out, so the
-- indexes cost nothing until staff take cases. Keep in step with
-- ../sqlite/0006_assignee_queues.sql.
CREATE INDEX cases_assignee_updated ON cases(assignee_id, closed, updated_at, id) WHERE assignee_id IS NOT NULL;
CREATE INDEX cases_assignee_created ON cases(assignee_id, closed, created_at, id) WHERE assignee_id IS NOT NULL;
CREATE INDEX cases_assignee_status ON cases(assignee_id, closed, status_rank, id) WHERE assignee_id IS NOT NULL;
