package io.hepatrial.fhir.store.entity;

import java.time.Instant;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.SequenceGenerator;
import jakarta.persistence.Table;

/** The current version of one resource; the row is locked while a new version is written. */
@Entity
@Table(name = "resource")
public class ResourceEntity {

    @Id
    @GeneratedValue(strategy = GenerationType.SEQUENCE, generator = "resource_seq")
    @SequenceGenerator(name = "resource_seq", sequenceName = "resource_seq", allocationSize = 50)
    public Long pid;

    @Column(name = "res_type", nullable = false, length = 64)
    public String type;

    @Column(name = "res_id", nullable = false, length = 64)
    public String logicalId;

    @Column(nullable = false)
    public long version;

    @Column(name = "last_updated", nullable = false)
    public Instant lastUpdated;

    @Column(nullable = false)
    public boolean deleted;

    /** The resource as compact FHIR JSON (UTF-8) with its meta; null once deleted. */
    @Column(columnDefinition = "bytea")
    public byte[] body;
}
