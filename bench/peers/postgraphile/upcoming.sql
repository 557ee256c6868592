-- Computed columns for PostGraphile: a client's upcoming check-ins (windows not yet closed),
-- soonest first, like the API's `Client.upcomingCheckIns`. The `bench_` in its name keeps it
-- clear of the product's own objects; it exposes `Client.benchUpcomingCheckIns(n)`.
CREATE OR REPLACE FUNCTION public.clients_bench_upcoming_check_ins(c public.clients, n integer)
RETURNS SETOF public.check_in_occurrences
LANGUAGE sql STABLE
AS $$
  SELECT o.* FROM public.check_in_occurrences o
  WHERE o.client_id = c.id AND o.status = 'scheduled' AND o.closes_at > now()
  ORDER BY o.opens_at
  LIMIT n
$$;

-- Likewise `Client.upcomingAppointments`: scheduled appointments not yet ended, soonest first.
CREATE OR REPLACE FUNCTION public.clients_bench_upcoming_appointments(c public.clients, n integer)
RETURNS SETOF public.appointments
LANGUAGE sql STABLE
AS $$
  SELECT a.* FROM public.appointments a
  WHERE a.client_id = c.id AND a.status = 'scheduled' AND a.ends_at > now()
  ORDER BY a.starts_at
  LIMIT n
$$;
