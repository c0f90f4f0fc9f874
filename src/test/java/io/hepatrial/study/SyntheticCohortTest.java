package io.hepatrial.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import io.hepatrial.study.SyntheticCohort.Etiology;
import io.hepatrial.study.SyntheticCohort.SyntheticPatient;

/** The generator's shape: the center's report in numbers, deterministic from its seed. */
class SyntheticCohortTest {

    static final long SEED = 20111001;

    @Test
    void shapedLikeTheCentersReport() {
        List<SyntheticPatient> patients = new SyntheticCohort(SEED).patients();
        assertEquals(131, patients.size());
        Map<Etiology, Long> byEtiology = patients.stream().collect(Collectors.groupingBy(SyntheticPatient::etiology, Collectors.counting()));
        assertEquals(68L, byEtiology.get(Etiology.HEPATITIS_B));
        assertEquals(131L, byEtiology.values().stream().mapToLong(Long::longValue).sum());
        assertTrue(byEtiology.get(Etiology.ALCOHOLIC) > 0 && byEtiology.get(Etiology.HEPATITIS_C) > 0 && byEtiology.get(Etiology.OTHER) > 0);

        Map<Integer, Long> byCourses = patients.stream().collect(Collectors.groupingBy(SyntheticPatient::courses, Collectors.counting()));
        assertEquals(java.util.Set.of(1, 2, 3), byCourses.keySet());

        for (SyntheticPatient patient : patients) {
            // 14 markers at baseline and 3 follow-ups
            assertEquals(14 * SyntheticCohort.VISIT_MONTHS.length, patient.labs().size(), patient.key());
            assertEquals(4, patient.labs().stream().map(SyntheticCohort.Lab::visitMonth).distinct().count());
        }
        double responders = share(patients);
        assertTrue(responders > 0.80 && responders < 0.94, "response share " + responders);
        double alcoholic = share(patients.stream().filter(p -> p.etiology() == Etiology.ALCOHOLIC).toList());
        double viral = share(patients.stream().filter(p -> p.etiology() == Etiology.HEPATITIS_B || p.etiology() == Etiology.HEPATITIS_C).toList());
        assertTrue(alcoholic > viral, alcoholic + " vs " + viral);
    }

    @Test
    void baselineIsChildPughBToC() {
        for (SyntheticPatient patient : new SyntheticCohort(SEED).patients()) {
            double bilirubin = baseline(patient, "bilirubin");
            if (patient.labs().stream().anyMatch(l -> l.marker() == SyntheticCohort.BILIRUBIN_UMOL_L)) {
                bilirubin /= 17.1;
            }
            double albumin = baseline(patient, "albumin");
            if (patient.labs().stream().anyMatch(l -> l.marker() == SyntheticCohort.ALBUMIN_G_L)) {
                albumin /= 10;
            }
            int score = (bilirubin < 2 ? 1 : bilirubin <= 3 ? 2 : 3) + (albumin > 3.5 ? 1 : albumin >= 2.8 ? 2 : 3)
                    + (baseline(patient, "inr") < 1.7 ? 1 : baseline(patient, "inr") <= 2.3 ? 2 : 3)
                    + (int) Math.min(3, 1 + baseline(patient, "ascites-grade") - (baseline(patient, "ascites-grade") > 2 ? 1 : 0))
                    + (baseline(patient, "encephalopathy") == 0 ? 1 : baseline(patient, "encephalopathy") <= 2 ? 2 : 3);
            assertTrue(score >= 7, patient.key() + " has Child-Pugh " + score);
        }
    }

    @Test
    void theSameSeedGivesTheSameCohort() {
        assertEquals(new SyntheticCohort(SEED).patients(), new SyntheticCohort(SEED).patients());
        assertTrue(!new SyntheticCohort(SEED).patients().equals(new SyntheticCohort(SEED + 1).patients()));
    }

    private static double baseline(SyntheticPatient patient, String marker) {
        return patient.labs().stream().filter(l -> l.visitMonth() == 0 && l.marker().key().equals(marker)).findFirst().orElseThrow()
                .value().doubleValue();
    }

    private static double share(List<SyntheticPatient> patients) {
        return patients.stream().filter(SyntheticPatient::responder).count() / (double) patients.size();
    }
}
