//! Schedules: check-in plans and their occurrences, check-ins, appointments.
