package io.hepatrial.fhir.store;

import org.hibernate.Session;

import io.quarkus.arc.InjectableInstance;
import io.quarkus.hibernate.orm.PersistenceUnit;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;

/**
 * Hands out the Hibernate session of whichever database is active (H2 or PostgreSQL, chosen at
 * start-up by configuration), so the store never needs to know which one it talks to.
 */
public class ActivePersistenceUnit {

    @Inject
    @PersistenceUnit("h2")
    InjectableInstance<Session> h2;

    @Inject
    @PersistenceUnit("pg")
    InjectableInstance<Session> pg;

    @Produces
    @ApplicationScoped
    Session session() {
        if (pg.getHandle().getBean().isActive()) {
            return pg.get();
        }
        if (h2.getHandle().getBean().isActive()) {
            return h2.get();
        }
        throw new IllegalStateException("No database is active: activate the h2 or the pg datasource");
    }
}
