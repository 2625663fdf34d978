-- One row per customer, with its group's attributes and completeness flags.
select
    c.customer_id,
    c.name,
    c.customer_group_id,
    c.email,
    c.phone,
    g.type as customer_group_type,
    g.name as customer_group_name,
    g.registry_number,
    g.customer_group_id is not null as has_group,
    c.email is not null as has_email,
    c.phone is not null as has_phone
from customers c
left join customer_groups g on g.customer_group_id = c.customer_group_id
