-- One row per trip, with its duration and the aeroplane that flew it.
select
    t.trip_id,
    t.origin_city,
    t.destination_city,
    t.aeroplane_id,
    t.start_timestamp,
    t.end_timestamp,
    cast(date_part('epoch', t.end_timestamp) - date_part('epoch', t.start_timestamp) as bigint) / 60 as duration_minutes,
    a.model as aeroplane_model,
    a.manufacturer,
    a.max_seats
from trips t
left join dim_aeroplane a on a.aeroplane_id = t.aeroplane_id
