package io.hepatrial.fhir.search;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.hibernate.Session;
import org.hl7.fhir.r4.model.Resource;

import ca.uhn.fhir.context.FhirContext;
import io.hepatrial.fhir.store.WriteRule;
import io.hepatrial.fhir.store.entity.ResourceEntity;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

/**
 * Rebuilds index rows (and rows write rules derive) from the stored bodies, one batch of resources per transaction, in pid
 * order. Each batch locks its rows as a write does, so writes running meanwhile are neither lost
 * nor overwritten with stale rows; the returned position lets a caller resume where it stopped.
 */
@ApplicationScoped
public class Reindexer {

    /** What one batch did, and where the next one starts (null when everything is done). */
    public record Batch(int reindexed, Long nextAfterPid) {
    }

    private final Session session;
    private final FhirContext fhirContext;
    private final IndexExtractor extractor;
    private final IndexWriter writer;
    private final List<WriteRule> rules;
    private final SearchParameterRegistry registry;
    private final io.hepatrial.fhir.SupportedResourceTypes types;

    public Reindexer(Session session, FhirContext fhirContext, IndexExtractor extractor, IndexWriter writer,
            jakarta.enterprise.inject.Instance<WriteRule> rules, SearchParameterRegistry registry, io.hepatrial.fhir.SupportedResourceTypes types) {
        this.session = session;
        this.registry = registry;
        this.types = types;
        this.rules = rules.stream().toList();
        this.fhirContext = fhirContext;
        this.extractor = extractor;
        this.writer = writer;
    }

    /** Reindexes up to {@code size} current resources (of {@code type}, or all types) with pid above {@code afterPid}. */
    public Batch reindex(String type, long afterPid, int size) {
        return QuarkusTransaction.requiringNew().call(() -> {
            var query = session.createSelectionQuery("from ResourceEntity where pid > :after"
                    + (type == null ? "" : " and type = :type") + " order by pid", ResourceEntity.class)
                    .setParameter("after", afterPid);
            if (type != null) {
                query.setParameter("type", type);
            }
            List<ResourceEntity> resources = query.setMaxResults(size).setLockMode(LockModeType.PESSIMISTIC_WRITE).getResultList();
            for (ResourceEntity entity : resources) {
                Resource current = entity.deleted || entity.body == null ? null
                        : (Resource) fhirContext.newJsonParser().parseResource(new String(entity.body, StandardCharsets.UTF_8));
                writer.replace(entity.pid, entity.type, current == null ? List.of() : extractor.extract(current), true);
                // rows the write rules derive from the current version (e.g. the study's measurements)
                for (WriteRule rule : rules) {
                    if (rule.appliesTo(entity.type)) {
                        rule.reindexed(entity.type, entity.logicalId, current);
                    }
                }
            }
            Long next = resources.size() < size ? null : resources.get(resources.size() - 1).pid;
            return new Batch(resources.size(), next);
        });
    }

    /**
     * Drops, at start, the index rows an earlier version wrote for parameters that are now answered
     * by other parameters' rows (SearchParameterDefinition.storedAs): nothing reads them any more.
     * Before a restricted one's rows go (Observation patient = subject's references to a Patient),
     * the other's absolute references get the target type earlier versions did not store for them.
     */
    void dropRowsOfParametersStoredAsOthers(@jakarta.enterprise.event.Observes io.quarkus.runtime.StartupEvent start) {
        QuarkusTransaction.requiringNew().run(() -> {
            for (String type : types.all()) {
                for (SearchParameterDefinition param : registry.forType(type)) {
                    if (param.storedAs() == null) {
                        continue;
                    }
                    String table = SearchSql.table(param);
                    if (param.onlyReferencesTo() != null && !session.createNativeQuery("select resource_pid from " + table
                            + " where res_type = :type and param = :param", Object.class).setParameter("type", type)
                            .setParameter("param", param.name()).setMaxResults(1).getResultList().isEmpty()) {
                        typeAbsoluteReferences(type, param.storedAs().params());
                    }
                    session.createNativeMutationQuery("delete from " + table + " where res_type = :type and param = :param")
                            .setParameter("type", type).setParameter("param", param.name()).executeUpdate();
                }
            }
        });
    }

    private void typeAbsoluteReferences(String type, List<String> params) {
        List<String> untyped = session.createNativeQuery("select distinct target_url from search_reference where res_type = :type"
                + " and param in (:params) and target_url is not null and target_type is null", String.class)
                .setParameter("type", type).setParameterList("params", params).getResultList();
        for (String url : untyped) {
            String targetType = IndexExtractor.typeOfAbsolute(new org.hl7.fhir.r4.model.IdType(url));
            if (targetType != null) {
                session.createNativeMutationQuery("update search_reference set target_type = :target where res_type = :type"
                        + " and param in (:params) and target_url = :url and target_type is null").setParameter("target", targetType)
                        .setParameter("type", type).setParameterList("params", params).setParameter("url", url).executeUpdate();
            }
        }
    }
}
