-- One row per aeroplane, with the catalogue's specs and derived classes.
-- Aeroplanes whose model is missing from the catalogue keep null specs and classes.
select
    aeroplane_id,
    manufacturer,
    model,
    engine_type,
    max_seats,
    max_weight,
    max_distance,
    case
        when max_distance is null then null
        when max_distance > 4000 then 'long_haul'
        else 'short_haul'
    end as distance_type,
    case
        when max_seats is null then null
        when max_seats > 100 then 'big'
        else 'small'
    end as size
from aeroplanes
