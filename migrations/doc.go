// Package migrations holds the Go migrations that create Cobra Space's
// schema: collections, field limits, indexes, API rules and seed data.
//
// Each migration is a frozen, literal snapshot (as Presentator's are): it
// imports nothing of the application and names its rules and limits in
// place, so that later code changes never rewrite history. The rules they
// store are the single source of truth for permissions: the routes in
// internal/ evaluate the stored collection rules (core.App.CanAccessRecord
// and rule-filtered queries) and read field limits from the stored schema,
// so the dashboard, the JS SDK and the documented REST API always agree —
// also after an admin changes a rule or a limit in the dashboard.
package migrations
