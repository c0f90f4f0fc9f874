package io.hepatrial.fhir.store.entity;

import java.time.Instant;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.SequenceGenerator;
import jakarta.persistence.Table;

/** One version of a resource, as written: the source of vread and _history. */
@Entity
@Table(name = "resource_version")
public class ResourceVersionEntity {

    @Id
    @GeneratedValue(strategy = GenerationType.SEQUENCE, generator = "resource_version_seq")
    @SequenceGenerator(name = "resource_version_seq", sequenceName = "resource_version_seq", allocationSize = 50)
    public Long vid;

    @Column(name = "resource_pid", nullable = false)
    public long resourcePid;

    @Column(name = "res_type", nullable = false, length = 64)
    public String type;

    @Column(name = "res_id", nullable = false, length = 64)
    public String logicalId;

    @Column(nullable = false)
    public long version;

    @Column(name = "last_updated", nullable = false)
    public Instant lastUpdated;

    /** The HTTP method that wrote this version: POST, PUT or DELETE. */
    @Column(nullable = false, length = 8)
    public String method;

    /** The resource as compact FHIR JSON (UTF-8); null for a deletion. */
    @Column(columnDefinition = "bytea")
    public byte[] body;
}
