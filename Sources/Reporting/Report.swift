import Diagnosis
