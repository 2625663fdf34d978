//! Boltic's semantic layer (YAML views, explores, measures compiled to SQL).
