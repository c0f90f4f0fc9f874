package io.hepatrial.fhir.search;

import java.math.BigDecimal;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.hl7.fhir.instance.model.api.IBase;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Address;
import org.hl7.fhir.r4.model.BaseDateTimeType;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CanonicalType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.ContactPoint;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.Enumeration;
import org.hl7.fhir.r4.model.HumanName;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Money;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.PrimitiveType;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Range;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.Timing;
import org.hl7.fhir.r4.model.UriType;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.fhirpath.IFhirPath;
import ca.uhn.fhir.fhirpath.IFhirPathEvaluationContext;
import jakarta.inject.Singleton;

/**
 * Extracts the index rows of a resource: every search parameter the registry holds for its type,
 * evaluated with its FHIRPath expression, each value turned into rows of its parameter's kind.
 * One mechanism for all types; nothing here knows a resource type.
 */
@Singleton
public class IndexExtractor {

    /** Longest string indexed; longer values are cut (search on them still works by prefix). */
    static final int MAX_TEXT = 500;
    static final int MAX_UNIT = 256;

    private final SearchParameterRegistry registry;
    private final UcumUnits ucum;
    /** FHIRPath engines keep evaluation state: one per thread. */
    private final ThreadLocal<IFhirPath> fhirPath;

    public IndexExtractor(FhirContext fhirContext, SearchParameterRegistry registry, UcumUnits ucum) {
        this.registry = registry;
        this.ucum = ucum;
        this.fhirPath = ThreadLocal.withInitial(() -> newEngine(fhirContext));
    }

    /** A FHIRPath engine as the extractor evaluates with (package-visible for the test that compares it with {@link SimplePath}). */
    static IFhirPath newEngine(FhirContext fhirContext) {
        IFhirPath engine = fhirContext.newFhirPath();
        // resolve() in expressions such as "subject.where(resolve() is Patient)": answer with an
        // empty resource of the referenced type, which is all "is Patient" needs.
        engine.setEvaluationContext(new IFhirPathEvaluationContext() {
            @Override
            public IBase resolveReference(IIdType reference, IBase context) {
                if (reference == null || !reference.hasResourceType()
                        || !fhirContext.getResourceTypes().contains(reference.getResourceType())) {
                    return null;
                }
                IBaseResource target = fhirContext.getResourceDefinition(reference.getResourceType()).newInstance();
                target.setId(reference);
                return target;
            }
        });
        return engine;
    }

    public List<IndexRow> extract(Resource resource) {
        java.util.Set<IndexRow> rows = new java.util.LinkedHashSet<>(); // a value reached by two parts is indexed once
        IFhirPath engine = fhirPath.get();
        // Values of expressions on the resource itself, kept for composites that pair the same values.
        Map<IFhirPath.IParsedExpression, List<IBase>> evaluated = new java.util.IdentityHashMap<>();
        for (SearchParameterDefinition param : registry.indexed(resource.fhirType())) {
            if (param.composite() != null) {
                composites(engine, resource, param, rows, evaluated);
                continue;
            }
            for (IBase value : evaluate(engine, resource, param.expressionParts(), evaluated)) {
                switch (param.kind()) {
                    case TOKEN -> tokens(param.name(), value, rows);
                    case STRING -> strings(param.name(), value, rows);
                    case DATE -> dates(param.name(), value, rows);
                    case NUMBER -> numbers(param.name(), value, rows);
                    case QUANTITY -> quantities(param.name(), value, rows);
                    case REFERENCE -> references(param.name(), value, rows);
                    case URI -> uris(param.name(), value, rows);
                    default -> { }
                }
            }
        }
        return new ArrayList<>(rows);
    }

    /** The values of all parts of a union expression, in order (see SearchParameterDefinition for why not '|'). */
    private static List<IBase> evaluate(IFhirPath engine, IBase focus, List<IFhirPath.IParsedExpression> parts,
            Map<IFhirPath.IParsedExpression, List<IBase>> evaluated) {
        List<IBase> values = new ArrayList<>();
        for (IFhirPath.IParsedExpression part : parts) {
            List<IBase> partValues = evaluated == null ? null : evaluated.get(part);
            if (partValues == null) {
                partValues = evaluate(engine, focus, part);
                if (evaluated != null) {
                    evaluated.put(part, partValues);
                }
            }
            values.addAll(partValues);
        }
        return values;
    }

    /** The values of one expression: walked directly when it is a simple path, else by the FHIRPath engine. */
    private static List<IBase> evaluate(IFhirPath engine, IBase focus, IFhirPath.IParsedExpression expression) {
        SimplePath simple = SearchParameterRegistry.simplePath(expression);
        List<IBase> values = simple == null ? null : simple.evaluate(focus);
        return values != null ? values : engine.evaluate(focus, expression, IBase.class);
    }

    /** Each pair of (token, second value) taken from one base element, e.g. one Observation.component. */
    private void composites(IFhirPath engine, Resource resource, SearchParameterDefinition param, java.util.Collection<IndexRow> rows,
            Map<IFhirPath.IParsedExpression, List<IBase>> evaluated) {
        SearchParameterDefinition.Composite composite = param.composite();
        for (SearchParameterDefinition.Base base : composite.bases()) {
            for (IBase element : evaluate(engine, resource, base.base())) {
                // on the resource itself, reuse what the component parameters evaluated
                Map<IFhirPath.IParsedExpression, List<IBase>> known = element == resource ? evaluated : null;
                List<IndexRow> firsts = new ArrayList<>();
                for (IBase value : evaluate(engine, element, base.first(), known)) {
                    tokens(param.name(), value, firsts);
                }
                List<IndexRow> seconds = new ArrayList<>();
                for (IBase value : evaluate(engine, element, base.second(), known)) {
                    switch (composite.second().kind()) {
                        case TOKEN -> tokens(param.name(), value, seconds);
                        case DATE -> dates(param.name(), value, seconds);
                        case QUANTITY -> quantities(param.name(), value, seconds);
                        default -> strings(param.name(), value, seconds);
                    }
                }
                for (IndexRow first : firsts) {
                    if (((IndexRow.Token) first).code() == null) {
                        continue; // a text-only concept: nothing to match a code against
                    }
                    for (IndexRow second : seconds) {
                        rows.add(new IndexRow.Composite(param.name(), (IndexRow.Token) first, second));
                    }
                }
            }
        }
    }

    private static void tokens(String param, IBase value, java.util.Collection<IndexRow> rows) {
        if (value instanceof Coding coding) {
            coding(param, coding, rows);
        } else if (value instanceof CodeableConcept concept) {
            for (Coding coding : concept.getCoding()) {
                coding(param, coding, rows);
            }
            if (concept.hasText()) {
                rows.add(new IndexRow.Token(param, null, null, cut(concept.getText())));
            }
        } else if (value instanceof Identifier identifier) {
            if (identifier.hasValue()) {
                rows.add(new IndexRow.Token(param, cut(blankToNull(identifier.getSystem())), cut(identifier.getValue()),
                        identifier.getType().hasText() ? cut(identifier.getType().getText()) : null));
            }
        } else if (value instanceof ContactPoint contact) {
            if (contact.hasValue()) {
                rows.add(new IndexRow.Token(param, contact.hasSystem() ? contact.getSystem().toCode() : null,
                        cut(contact.getValue()), null));
            }
        } else if (value instanceof Enumeration<?> enumeration) {
            if (enumeration.getValueAsString() != null) {
                rows.add(new IndexRow.Token(param, cut(blankToNull(enumeration.getSystem())), cut(enumeration.getValueAsString()), null));
            }
        } else if (value instanceof BooleanType bool) {
            if (bool.getValue() != null) {
                rows.add(new IndexRow.Token(param, null, bool.getValue().toString(), null));
            }
        } else if (value instanceof PrimitiveType<?> primitive && primitive.getValueAsString() != null) {
            rows.add(new IndexRow.Token(param, null, cut(primitive.getValueAsString()), null));
        }
    }

    private static void coding(String param, Coding coding, java.util.Collection<IndexRow> rows) {
        if (coding.hasCode() || coding.hasDisplay()) {
            rows.add(new IndexRow.Token(param, cut(blankToNull(coding.getSystem())), coding.hasCode() ? cut(coding.getCode()) : null,
                    coding.hasDisplay() ? cut(coding.getDisplay()) : null));
        }
    }

    private static void strings(String param, IBase value, java.util.Collection<IndexRow> rows) {
        if (value instanceof HumanName name) {
            addText(param, name.getFamily(), rows);
            name.getGiven().forEach(g -> addText(param, g.getValue(), rows));
            name.getPrefix().forEach(p -> addText(param, p.getValue(), rows));
            name.getSuffix().forEach(s -> addText(param, s.getValue(), rows));
            addText(param, name.getText(), rows);
        } else if (value instanceof Address address) {
            address.getLine().forEach(l -> addText(param, l.getValue(), rows));
            addText(param, address.getCity(), rows);
            addText(param, address.getDistrict(), rows);
            addText(param, address.getState(), rows);
            addText(param, address.getPostalCode(), rows);
            addText(param, address.getCountry(), rows);
            addText(param, address.getText(), rows);
        } else if (value instanceof PrimitiveType<?> primitive) {
            addText(param, primitive.getValueAsString(), rows);
        }
    }

    private static void addText(String param, String text, java.util.Collection<IndexRow> rows) {
        if (text != null && !text.isBlank()) {
            rows.add(new IndexRow.Text(param, cut(normalize(text)), cut(text)));
        }
    }

    /** Case- and accent-insensitive form used by string search (search.html#string). */
    public static String normalize(String text) {
        return Normalizer.normalize(text, Normalizer.Form.NFD).replaceAll("\\p{M}+", "").toLowerCase(Locale.ROOT);
    }

    private static void dates(String param, IBase value, java.util.Collection<IndexRow> rows) {
        if (value instanceof BaseDateTimeType date) {
            addDate(param, date.getValueAsString(), rows);
        } else if (value instanceof Period period) {
            FhirDates.Range start = period.hasStart() ? FhirDates.range(period.getStartElement().getValueAsString()) : null;
            FhirDates.Range end = period.hasEnd() ? FhirDates.range(period.getEndElement().getValueAsString()) : null;
            if (start != null || end != null) {
                rows.add(new IndexRow.DateRange(param, start == null ? FhirDates.MIN : start.low(),
                        end == null ? FhirDates.MAX : end.high()));
            }
        } else if (value instanceof Timing timing) {
            timing.getEvent().forEach(e -> addDate(param, e.getValueAsString(), rows));
        }
    }

    private static void addDate(String param, String value, java.util.Collection<IndexRow> rows) {
        FhirDates.Range range = FhirDates.range(value);
        if (range != null) {
            rows.add(new IndexRow.DateRange(param, range.low(), range.high()));
        }
    }

    private static void numbers(String param, IBase value, java.util.Collection<IndexRow> rows) {
        if (value instanceof DecimalType decimal && decimal.getValue() != null) {
            rows.add(new IndexRow.Number(param, decimal.getValue()));
        } else if (value instanceof IntegerType integer && integer.getValue() != null) {
            rows.add(new IndexRow.Number(param, BigDecimal.valueOf(integer.getValue())));
        }
    }

    private void quantities(String param, IBase value, java.util.Collection<IndexRow> rows) {
        if (value instanceof Quantity quantity && quantity.hasValue()) {
            String system = blankToNull(quantity.getSystem());
            String code = quantity.hasCode() ? quantity.getCode() : blankToNull(quantity.getUnit());
            UcumUnits.Canonical canonical = UcumUnits.UCUM_SYSTEM.equals(system) ? ucum.canonical(quantity.getValue(), code) : null;
            // the columns' lengths (system 512, codes 256): a longer unit would fail the write
            rows.add(new IndexRow.Quantity(param, quantity.getValue(), cut(system), cut(code, MAX_UNIT),
                    canonical == null ? null : canonical.value(), canonical == null ? null : cut(canonical.code(), MAX_UNIT)));
        } else if (value instanceof Money money && money.hasValue()) {
            rows.add(new IndexRow.Quantity(param, money.getValue(), "urn:iso:std:iso:4217", cut(money.getCurrency(), MAX_UNIT), null, null));
        } else if (value instanceof Range range) {
            if (range.hasLow()) {
                quantities(param, range.getLow(), rows);
            }
            if (range.hasHigh()) {
                quantities(param, range.getHigh(), rows);
            }
        }
    }

    /** The resource type an absolute reference names (http://…/Patient/1: Patient), or null when it names none that fits the column. */
    static String typeOfAbsolute(IIdType id) {
        String type = id.getResourceType();
        return type != null && type.matches("[A-Z][A-Za-z]{0,63}") ? type : null;
    }

    private static void references(String param, IBase value, java.util.Collection<IndexRow> rows) {
        if (value instanceof Reference reference && reference.hasReference()) {
            String ref = reference.getReference();
            if (ref.startsWith("#")) {
                return; // a contained resource: not searchable on its own
            }
            IIdType id = reference.getReferenceElement();
            if (id.isAbsolute()) {
                // the type too, for parameters stored as another's references to one type (Observation patient)
                rows.add(new IndexRow.Reference(param, typeOfAbsolute(id), null, cut(ref)));
            } else if (id.hasResourceType() && id.hasIdPart()) {
                // cut to the columns: an overlong reference names nothing, and must not fail the write
                rows.add(new IndexRow.Reference(param, cut(id.getResourceType(), 64), cut(id.getIdPart()), null));
            }
        } else if (value instanceof CanonicalType canonical && canonical.hasValue()) {
            rows.add(new IndexRow.Reference(param, null, null, cut(canonical.getValue())));
        }
    }

    private static void uris(String param, IBase value, java.util.Collection<IndexRow> rows) {
        if (value instanceof UriType uri && uri.getValue() != null) {
            rows.add(new IndexRow.Uri(param, cut(uri.getValue())));
        }
    }

    private static String cut(String text) {
        return cut(text, MAX_TEXT);
    }

    private static String cut(String text, int max) {
        return text == null || text.length() <= max ? text : text.substring(0, max);
    }

    private static String blankToNull(String text) {
        return text == null || text.isBlank() ? null : text;
    }
}
